//! The socket file a Unix server made (`start_unix_server`), which the
//! server's `close` removes if it is still the one it made (asyncio 3.13:
//! `cleanup_socket`). Its own file: the TCP server's table holds one, and
//! the Unix server makes it.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The socket file a Unix server made, known by device and inode, so that
/// `close` removes that file and not one a later server put at the path.
#[derive(Debug)]
pub(super) struct SocketFile {
    path: PathBuf,
    id: (u64, u64),
}

impl SocketFile {
    pub(super) fn of(path: &Path) -> io::Result<SocketFile> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(SocketFile { path: path.to_owned(), id: (meta.dev(), meta.ino()) })
    }

    pub(super) fn remove(&self) {
        let meta = std::fs::symlink_metadata(&self.path);
        if meta.is_ok_and(|m| (m.dev(), m.ino()) == self.id) {
            if let Err(e) = std::fs::remove_file(&self.path) {
                log::warn!(target: "reel", "{}: could not remove: {e}", self.path.display());
            }
        }
    }
}
