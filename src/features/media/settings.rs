//! The media flags that are not limits: how long a pre-signed upload form and a download
//! link stay valid. The media budgets are limits (`crate::core::limits`).

use std::time::Duration;

use clap::Args;

use crate::core::formats::parse_duration;

/// The media settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// How long a pre-signed upload form is accepted (the platform's is 5 minutes).
    pub upload_url_expiry: Duration,
    /// How long a download link is accepted (emulator's choice; S3's `X-Amz-Expires`).
    pub download_url_expiry: Duration,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            upload_url_expiry: Duration::from_secs(5 * 60),
            download_url_expiry: Duration::from_secs(60 * 60),
        }
    }
}

/// The command-line form of [`MediaConfig`].
#[derive(Debug, Clone, Args)]
pub struct MediaFlags {
    /// How long a pre-signed photo/video upload form stays valid (the platform's: 5m).
    #[arg(long, env = "CCAI_EMU_UPLOAD_URL_EXPIRY", default_value = "5m")]
    upload_url_expiry: String,
    /// How long a media download link stays valid (emulator's choice: 1h; list the media
    /// again for fresh links).
    #[arg(long, env = "CCAI_EMU_DOWNLOAD_URL_EXPIRY", default_value = "1h")]
    download_url_expiry: String,
}

impl TryFrom<MediaFlags> for MediaConfig {
    type Error = String;

    fn try_from(flags: MediaFlags) -> Result<MediaConfig, String> {
        let upload_url_expiry = parse_duration(&flags.upload_url_expiry)
            .map_err(|error| format!("--upload-url-expiry: {error}"))?;
        if upload_url_expiry.is_zero() {
            return Err("--upload-url-expiry must be more than 0".into());
        }
        let download_url_expiry = parse_duration(&flags.download_url_expiry)
            .map_err(|error| format!("--download-url-expiry: {error}"))?;
        if download_url_expiry.is_zero() {
            return Err("--download-url-expiry must be more than 0".into());
        }
        Ok(MediaConfig {
            upload_url_expiry,
            download_url_expiry,
        })
    }
}
