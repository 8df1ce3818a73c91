//! The files of `fixtures/media/` that agent rules may `attach`, read as bytes (the folder
//! or the copies embedded in the binary). Each must be of a type an agent can attach on
//! the platform (by its extension) and within the 100 MB limit; hidden files (`.gitkeep`)
//! are skipped. A problem names the file; the caller makes it a fixture error.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::media::kinds::{attachable_list, content_type_for_filename, ATTACHMENT_MAX_BYTES};

/// The media files shipped in `fixtures/media/`, embedded at build time.
pub(crate) const EMBEDDED_MEDIA: &[(&str, &[u8])] = &[(
    "user_guide.pdf",
    include_bytes!("../../fixtures/media/user_guide.pdf"),
)];

/// The attachable files of `folder` by name (none if it does not exist).
/// Files by name.
pub(crate) type MediaFiles = BTreeMap<String, Arc<[u8]>>;

/// A file that cannot be used: its path and the problem.
pub(crate) struct MediaProblem {
    pub(crate) file: String,
    pub(crate) problem: String,
}

pub(crate) fn load_folder(folder: &Path) -> Result<MediaFiles, MediaProblem> {
    let mut files = BTreeMap::new();
    if !folder.exists() {
        return Ok(files);
    }
    let problem = |path: &Path, problem: String| MediaProblem {
        file: path.display().to_string(),
        problem,
    };
    let entries = std::fs::read_dir(folder)
        .map_err(|error| problem(folder, format!("cannot be listed: {error}")))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        if content_type_for_filename(&name).is_none() {
            return Err(problem(
                &path,
                format!(
                    "is not of a type an agent can attach ({})",
                    attachable_list()
                ),
            ));
        }
        let bytes = std::fs::read(&path)
            .map_err(|error| problem(&path, format!("cannot be read: {error}")))?;
        if bytes.len() as u64 > ATTACHMENT_MAX_BYTES {
            return Err(problem(
                &path,
                format!(
                    "is larger than the platform's {ATTACHMENT_MAX_BYTES}-byte attachment limit"
                ),
            ));
        }
        files.insert(name, Arc::from(bytes));
    }
    Ok(files)
}
