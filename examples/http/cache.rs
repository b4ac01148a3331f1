//! The open-file cache: what resolving a request path under the root found
//! (an open file with its validators, a directory to redirect, or an error
//! status), kept so that a busy static file costs no `open`, `readlink`,
//! `stat`, `read` or `close` per request: only the socket's read and write.
//! It is nginx's `open_file_cache` with `open_file_cache_errors on` and
//! `open_file_cache_valid 1s`, per worker.
//!
//! Ground rules:
//! - An entry is trusted for [`VALID`] after it was last checked. Then a
//!   file entry costs one `stat` of its path: the same device, inode, size,
//!   modification and change times keep it another `VALID`; anything else
//!   (written, replaced, renamed over, symlink moved, permissions changed)
//!   resolves the path anew, confinement check included. Other entries
//!   (redirects, `404`s) are resolved anew. So a change on disk is served
//!   within `VALID`, and until then the old version is served whole: its
//!   bytes and its `ETag` together, never a mix.
//! - Small files keep their bytes (a `206` is a slice of them), up to
//!   [`CONTENT_BUDGET`] bytes in all; other files keep their descriptor and
//!   are read (`pread`) or sent (`sendfile`) per request.
//! - Bounded: at most [`MAX_ENTRIES`] paths. When full, entries past their
//!   validity go; if none has, all go. A flood of distinct paths then costs
//!   what the uncached path costs, and no more memory or descriptors.
//! - One cache per worker, on its loop's thread: `RefCell`, no locks.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How long an entry is served without looking at the disk.
pub const VALID: Duration = Duration::from_secs(1);

/// The most paths the cache holds.
pub const MAX_ENTRIES: usize = 1024;

/// Files up to this size keep their bytes in the cache.
pub const SMALL: u64 = 64 * 1024;

/// The most file bytes the cache holds, per worker.
pub const CONTENT_BUDGET: usize = 16 * 1024 * 1024;

/// What a request path resolved to.
#[derive(Clone)]
pub enum Found {
    /// A regular file (for `/dir/`, its `index.html`).
    File(Rc<OpenFile>),
    /// A directory asked for without its trailing slash: `301`.
    Directory,
    /// An error status (`400`, `403`, `404`).
    Status(u16),
}

/// A regular file, open, with what its responses say about it.
pub struct OpenFile {
    /// The path it was opened at, which revalidation `stat`s.
    pub path: PathBuf,
    pub file: File,
    pub len: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// `"<mtime hex>-<len hex>"`, quotes included.
    pub etag: String,
    /// `mtime` as an IMF-fixdate.
    pub last_modified: String,
    pub content_type: &'static str,
    /// The whole content, for a small file the budget had room for.
    pub bytes: Option<Box<[u8]>>,
    /// What revalidation compares: device, inode, size, mtime, ctime.
    identity: [i64; 7],
}

impl OpenFile {
    /// Describes `file`, opened at `path` with metadata `meta`; `bytes` is
    /// its whole content if the caller read it.
    pub fn new(path: PathBuf, file: File, meta: &Metadata, bytes: Option<Box<[u8]>>) -> OpenFile {
        let (len, mtime) = (meta.len(), meta.mtime().max(0) as u64);
        OpenFile {
            content_type: crate::files::mime_type(&path),
            path,
            file,
            len,
            mtime,
            etag: format!("\"{mtime:x}-{len:x}\""),
            last_modified: crate::clock::imf_fixdate(mtime),
            bytes,
            identity: identity(meta),
        }
    }

    /// True if the path still leads to this very file, unchanged.
    fn unchanged(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|meta| identity(&meta) == self.identity)
    }
}

impl std::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.bytes.is_some();
        write!(f, "OpenFile({}, {} bytes, cached: {cached})", self.path.display(), self.len)
    }
}

fn identity(meta: &Metadata) -> [i64; 7] {
    let [dev, ino, size] = [meta.dev(), meta.ino(), meta.size()].map(|n| n as i64);
    [dev, ino, size, meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec()]
}

struct Entry {
    found: Found,
    checked: Instant,
}

/// The cache: request paths (decoded) to what they resolved to.
#[derive(Default)]
pub struct Cache {
    entries: RefCell<HashMap<String, Entry>>,
    /// File bytes the entries hold, at most `CONTENT_BUDGET`.
    content: Cell<usize>,
}

impl Cache {
    /// What `path` resolves to: the cached answer while it is valid, else
    /// `resolve()`'s, which is then cached.
    pub fn lookup(&self, path: &str, resolve: impl FnOnce() -> Found) -> Found {
        let now = reel::time::now();
        let mut entries = self.entries.borrow_mut();
        if let Some(entry) = entries.get_mut(path) {
            let fresh = now < entry.checked + VALID;
            if fresh || matches!(&entry.found, Found::File(open) if open.unchanged()) {
                if !fresh {
                    entry.checked = now;
                }
                return entry.found.clone();
            }
            let stale = entries.remove(path);
            self.forget(stale);
        }
        if entries.len() >= MAX_ENTRIES {
            self.make_room(&mut entries, now);
        }
        let found = resolve();
        let entry = Entry { found: found.clone(), checked: now };
        self.content.set(self.content.get() + content_len(&entry));
        entries.insert(path.to_string(), entry);
        found
    }

    /// True if `len` more bytes of content fit the budget.
    pub fn has_room_for(&self, len: u64) -> bool {
        len <= SMALL && self.content.get() + len as usize <= CONTENT_BUDGET
    }

    /// Drops the entries past their validity, or all of them if none is.
    fn make_room(&self, entries: &mut HashMap<String, Entry>, now: Instant) {
        entries.retain(|_, entry| now < entry.checked + VALID);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let held = entries.values().map(content_len).sum();
        self.content.set(held);
    }

    fn forget(&self, entry: Option<Entry>) {
        if let Some(entry) = entry {
            self.content.set(self.content.get() - content_len(&entry));
        }
    }
}

/// The file bytes `entry` holds.
fn content_len(entry: &Entry) -> usize {
    match &entry.found {
        Found::File(open) => open.bytes.as_ref().map_or(0, |bytes| bytes.len()),
        _ => 0,
    }
}
