//! The state folder and its database file. One emulator per folder: [`FolderLock`] holds
//! the folder itself for as long as the store is open, so no file anyone deletes in it
//! lets a second emulator in. A new database is made under a temporary name, readable by
//! its owner only, and renamed into place once its schema is written, so a file at the
//! database's name is always one this emulator finished making; [`DatabaseFile`] then
//! notices when that file is deleted or replaced under the running emulator, so writes
//! fail rather than go to a file nobody will read.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Holds the folder: released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    _held: File,
}

/// The name of the lock file on platforms where a folder cannot be locked (Windows).
#[cfg(not(unix))]
pub const LOCK_NAME: &str = "state.lock";

impl FolderLock {
    /// Locks `dir`, or says why not (another emulator holds it).
    ///
    /// Unix: an exclusive `flock` on the folder itself (opened read-only), which no file
    /// deleted in it releases; SQLite's own locks are on the database's files, never on
    /// the folder, so the two cannot meet. Elsewhere: an exclusive lock on `state.lock`,
    /// opened without sharing deletion, so it cannot be deleted while held.
    pub fn take(dir: &Path) -> Result<FolderLock, String> {
        let held = open_for_locking(dir)?;
        held.try_lock().map_err(|error| match error {
            std::fs::TryLockError::WouldBlock => {
                "another emulator is using it (one --state-dir serves one process)".to_owned()
            }
            std::fs::TryLockError::Error(error) => format!("cannot lock it: {error}"),
        })?;
        Ok(FolderLock { _held: held })
    }
}

#[cfg(unix)]
fn open_for_locking(dir: &Path) -> Result<File, String> {
    File::open(dir).map_err(|error| format!("cannot open it to lock it: {error}"))
}

#[cfg(not(unix))]
fn open_for_locking(dir: &Path) -> Result<File, String> {
    use std::os::windows::fs::OpenOptionsExt;
    // FILE_SHARE_READ | FILE_SHARE_WRITE, and not FILE_SHARE_DELETE.
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .share_mode(0x1 | 0x2)
        .open(dir.join(LOCK_NAME))
        .map_err(|error| format!("cannot write {LOCK_NAME}: {error}"))
}

/// Creates an empty file readable and writable by its owner only (0600 on Unix).
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The temporary name a new database is made under, next to `file`.
pub fn making_name(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The database file as it was when the store opened it.
#[derive(Debug, Clone)]
pub struct DatabaseFile {
    path: PathBuf,
    #[cfg(unix)]
    identity: (u64, u64),
}

impl DatabaseFile {
    /// Notes which file `path` names now.
    pub fn at(path: &Path) -> std::io::Result<DatabaseFile> {
        #[cfg(unix)]
        let identity = {
            use std::os::unix::fs::MetadataExt;
            let metadata = std::fs::metadata(path)?;
            (metadata.dev(), metadata.ino())
        };
        Ok(DatabaseFile {
            path: path.to_owned(),
            #[cfg(unix)]
            identity,
        })
    }

    /// Whether `path` still names the file the store opened. (Elsewhere than on Unix an
    /// open database file cannot be deleted or replaced.)
    pub fn still_there(&self) -> Result<(), String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let gone = || {
                format!(
                    "{} was deleted or replaced while the emulator runs; nothing more is written to it (restart the emulator)",
                    self.path.display()
                )
            };
            let metadata = std::fs::metadata(&self.path).map_err(|_| gone())?;
            if (metadata.dev(), metadata.ino()) != self.identity {
                return Err(gone());
            }
        }
        Ok(())
    }
}
