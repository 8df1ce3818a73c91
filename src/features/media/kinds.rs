//! What kinds of media the platform takes and their limits: end-user photos (`image/jpeg`,
//! 2 MB) and videos (`video/mp4`, 20 MB) uploaded through a pre-signed form, and files the
//! agent attaches (images, video, audio, documents, 100 MB). The platform writes "MB"
//! without saying which; the emulator reads it as MiB, the larger, so it never refuses a
//! file the platform would take.

use serde::Serialize;

const MIB: u64 = 1024 * 1024;

/// The platform's limit on an end user's photo.
pub const PHOTO_MAX_BYTES: u64 = 2 * MIB;
/// The platform's limit on an end user's video.
pub const VIDEO_MAX_BYTES: u64 = 20 * MIB;
/// The platform's limit on a file an agent attaches.
pub const ATTACHMENT_MAX_BYTES: u64 = 100 * MIB;

/// What a stored file is in its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// Uploaded by the end user with `POST /chats/{id}/photos/upload`.
    Photo,
    /// Uploaded by the end user with `POST /chats/{id}/videos/upload`.
    Video,
    /// Attached by the agent.
    Attachment,
}

impl MediaKind {
    pub fn name(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
            MediaKind::Attachment => "attachment",
        }
    }

    /// The one content type an end-user upload of this kind may have.
    pub fn upload_content_type(self) -> Option<&'static str> {
        match self {
            MediaKind::Photo => Some("image/jpeg"),
            MediaKind::Video => Some("video/mp4"),
            MediaKind::Attachment => None,
        }
    }

    /// The largest file of this kind.
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Photo => PHOTO_MAX_BYTES,
            MediaKind::Video => VIDEO_MAX_BYTES,
            MediaKind::Attachment => ATTACHMENT_MAX_BYTES,
        }
    }

    /// The file extension of an end-user upload's object key.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Photo => "jpg",
            MediaKind::Video => "mp4",
            MediaKind::Attachment => "bin",
        }
    }
}

/// The types an agent may attach ("Agent file attachments with the chat platform API":
/// images JPEG, JPG, PNG, GIF, TIFF, RAW, WebP; video MP4, MOV, AVI, WMV, WebM; audio MP3,
/// WAV; documents PDF, XML, XLS, PPT, CSV, TXT), by file extension and content type.
const ATTACHABLE: &[(&[&str], &str)] = &[
    (&["jpg", "jpeg"], "image/jpeg"),
    (&["png"], "image/png"),
    (&["gif"], "image/gif"),
    (&["tif", "tiff"], "image/tiff"),
    (&["raw"], "image/x-raw"),
    (&["webp"], "image/webp"),
    (&["mp4"], "video/mp4"),
    (&["mov"], "video/quicktime"),
    (&["avi"], "video/x-msvideo"),
    (&["wmv"], "video/x-ms-wmv"),
    (&["webm"], "video/webm"),
    (&["mp3"], "audio/mpeg"),
    (&["wav"], "audio/wav"),
    (&["pdf"], "application/pdf"),
    (&["xml"], "application/xml"),
    (&["xls"], "application/vnd.ms-excel"),
    (&["ppt"], "application/vnd.ms-powerpoint"),
    (&["csv"], "text/csv"),
    (&["txt"], "text/plain"),
];

/// Other names in use for the same types.
const ALIASES: &[(&str, &str)] = &[
    ("image/jpg", "image/jpeg"),
    ("image/pjpeg", "image/jpeg"),
    ("audio/x-wav", "audio/wav"),
    ("audio/wave", "audio/wav"),
    ("audio/mp3", "audio/mpeg"),
    ("text/xml", "application/xml"),
    ("application/csv", "text/csv"),
];

/// The attachable content type of a file name, by its extension.
pub fn content_type_for_filename(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    ATTACHABLE
        .iter()
        .find(|(extensions, _)| extensions.contains(&extension.as_str()))
        .map(|(_, content_type)| *content_type)
}

/// `content_type` (parameters and case ignored) as an attachable type, if it is one.
pub fn attachable_content_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let essence = ALIASES
        .iter()
        .find(|(alias, _)| *alias == essence)
        .map_or(essence.as_str(), |(_, canonical)| canonical);
    ATTACHABLE
        .iter()
        .find(|(_, known)| *known == essence)
        .map(|(_, known)| *known)
}

/// The attachable types, for error messages.
pub fn attachable_list() -> String {
    ATTACHABLE
        .iter()
        .map(|(_, content_type)| *content_type)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachable_types_are_found_by_extension_and_by_alias() {
        assert_eq!(
            content_type_for_filename("Guide.PDF"),
            Some("application/pdf")
        );
        assert_eq!(content_type_for_filename("clip.webm"), Some("video/webm"));
        assert_eq!(content_type_for_filename("setup.exe"), None);
        assert_eq!(content_type_for_filename("no-extension"), None);
        assert_eq!(attachable_content_type("audio/x-wav"), Some("audio/wav"));
        assert_eq!(
            attachable_content_type("Text/Plain; charset=utf-8"),
            Some("text/plain")
        );
        assert_eq!(attachable_content_type("application/zip"), None);
    }
}
