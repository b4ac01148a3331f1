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
//!   [`CONTENT_BUDGET`] bytes in all, and close their descriptor; other
//!   files keep their descriptor and are read (`pread`) or sent
//!   (`sendfile`) per request.
//! - Descriptors are a budget: the entries hold at most `fd_budget` open
//!   files (a quarter of the process's limit, shared by the workers), so
//!   the cache can never starve `accept` or the next `open`. Past it, and
//!   past [`MAX_ENTRIES`] paths, the least recently used entries go, an
//!   eighth at a time (so eviction is not paid on every miss). A flood of
//!   distinct paths then costs what the uncached path costs, and no more
//!   memory or descriptors.
//! - Transient failures (out of descriptors: `503`) are never cached.
//! - One cache per worker, on its loop's thread: `RefCell`, no locks. No
//!   borrow is held while a path is resolved, which may itself evict.

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
    /// An error status (`400`, `403`, `404`; `500` and `503` are not kept).
    Status(u16),
}

/// Where a file's bytes come from.
pub enum Content {
    /// The whole file, read once (its descriptor is closed).
    Bytes(Box<[u8]>),
    /// The open file, read or sent per request.
    File(File),
}

/// A regular file, open or read, with what its responses say about it.
pub struct OpenFile {
    /// The path it was opened at, which revalidation `stat`s.
    pub path: PathBuf,
    pub content: Content,
    pub len: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// `"<mtime hex>-<len hex>"`, quotes included.
    pub etag: String,
    /// `mtime` as an IMF-fixdate.
    pub last_modified: String,
    pub content_type: &'static str,
    /// What revalidation compares: device, inode, size, mtime, ctime.
    identity: [i64; 7],
}

impl OpenFile {
    /// Describes the file at `path` with metadata `meta` and `content`.
    pub fn new(path: PathBuf, content: Content, meta: &Metadata) -> OpenFile {
        let (len, mtime) = (meta.len(), meta.mtime().max(0) as u64);
        OpenFile {
            content_type: crate::mime::mime_type(&path),
            path,
            content,
            len,
            mtime,
            etag: format!("\"{mtime:x}-{len:x}\""),
            last_modified: crate::clock::imf_fixdate(mtime),
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
        let cached = matches!(self.content, Content::Bytes(_));
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
    /// The cache's use counter at this entry's last hit: smaller is older.
    used: u64,
}

impl Entry {
    fn content_len(&self) -> usize {
        match &self.found {
            Found::File(open) => match &open.content {
                Content::Bytes(bytes) => bytes.len(),
                Content::File(_) => 0,
            },
            _ => 0,
        }
    }

    fn holds_descriptor(&self) -> bool {
        matches!(&self.found, Found::File(open) if matches!(open.content, Content::File(_)))
    }
}

/// The cache: request paths (decoded) to what they resolved to.
pub struct Cache {
    entries: RefCell<HashMap<String, Entry>>,
    /// File bytes the entries hold, at most `CONTENT_BUDGET`.
    content: Cell<usize>,
    /// Open descriptors the entries hold, at most `fd_budget`.
    descriptors: Cell<usize>,
    fd_budget: usize,
    /// Counts lookups: an entry's `used` is this count at its last hit.
    uses: Cell<u64>,
}

impl Cache {
    /// A cache whose entries hold at most `fd_budget` open descriptors.
    pub fn new(fd_budget: usize) -> Cache {
        Cache {
            entries: RefCell::default(),
            content: Cell::new(0),
            descriptors: Cell::new(0),
            fd_budget: fd_budget.max(1),
            uses: Cell::new(0),
        }
    }

    /// What `path` resolves to: the cached answer while it is valid, else
    /// `resolve()`'s, which is then cached (unless it is a transient error).
    pub fn lookup(&self, path: &str, resolve: impl FnOnce() -> Found) -> Found {
        let now = reel::time::now();
        self.uses.set(self.uses.get() + 1);
        if let Some(found) = self.hit(path, now) {
            return found;
        }
        let found = resolve();
        if !matches!(found, Found::Status(500 | 503)) {
            self.insert(path, found.clone(), now);
        }
        found
    }

    /// The entry for `path` if it is still good; a stale one is dropped.
    fn hit(&self, path: &str, now: Instant) -> Option<Found> {
        let mut entries = self.entries.borrow_mut();
        let entry = entries.get_mut(path)?;
        let fresh = now < entry.checked + VALID;
        if fresh || matches!(&entry.found, Found::File(open) if open.unchanged()) {
            if !fresh {
                entry.checked = now;
            }
            entry.used = self.uses.get();
            return Some(entry.found.clone());
        }
        let stale = entries.remove(path);
        drop(entries);
        stale.inspect(|stale| self.forget(stale));
        None
    }

    fn insert(&self, path: &str, found: Found, now: Instant) {
        let entry = Entry { found, checked: now, used: self.uses.get() };
        self.content.set(self.content.get() + entry.content_len());
        self.descriptors.set(self.descriptors.get() + usize::from(entry.holds_descriptor()));
        if let Some(old) = self.entries.borrow_mut().insert(path.to_owned(), entry) {
            self.forget(&old);
        }
        if self.entries.borrow().len() > MAX_ENTRIES {
            self.evict(|_| true, MAX_ENTRIES / 8);
        }
        if self.descriptors.get() > self.fd_budget {
            self.evict(Entry::holds_descriptor, self.fd_budget.div_ceil(8));
        }
    }

    /// True if `len` more bytes of content fit the budget.
    pub fn has_room_for(&self, len: u64) -> bool {
        len <= SMALL && self.content.get() + len as usize <= CONTENT_BUDGET
    }

    /// Closes every descriptor the cache holds: the process is out of them
    /// (EMFILE), and a request for a file that exists must not fail for it.
    /// Those still sending a response close when it is done.
    pub fn shed_descriptors(&self) -> usize {
        let before = self.descriptors.get();
        self.evict(Entry::holds_descriptor, usize::MAX);
        before - self.descriptors.get()
    }

    /// Drops the `count` least recently used entries that `which` picks.
    fn evict(&self, which: fn(&Entry) -> bool, count: usize) {
        let mut entries = self.entries.borrow_mut();
        let mut ages: Vec<u64> = entries.values().filter(|e| which(e)).map(|e| e.used).collect();
        if ages.is_empty() {
            return;
        }
        let cut = count.min(ages.len()) - 1;
        let (_, &mut oldest_kept, _) = ages.select_nth_unstable(cut);
        let mut dropped = Vec::new();
        entries.retain(|_, entry| {
            let go = which(entry) && entry.used <= oldest_kept;
            if go {
                dropped.push((entry.content_len(), entry.holds_descriptor()));
            }
            !go
        });
        drop(entries);
        for (content, descriptor) in dropped {
            self.content.set(self.content.get() - content);
            self.descriptors.set(self.descriptors.get() - usize::from(descriptor));
        }
    }

    fn forget(&self, entry: &Entry) {
        self.content.set(self.content.get() - entry.content_len());
        self.descriptors.set(self.descriptors.get() - usize::from(entry.holds_descriptor()));
    }

    /// Descriptors the entries hold now.
    #[cfg(test)]
    fn descriptors(&self) -> usize {
        self.descriptors.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_file(dir: &std::path::Path, name: &str) -> Found {
        let path = dir.join(name);
        std::fs::write(&path, name).unwrap();
        let file = File::open(&path).unwrap();
        let meta = file.metadata().unwrap();
        Found::File(Rc::new(OpenFile::new(path, Content::File(file), &meta)))
    }

    #[test]
    fn descriptors_stay_within_the_budget_and_the_least_recently_used_go() {
        let dir = std::env::temp_dir().join(format!("reel-cache-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        reel::run(async move {
            let cache = Cache::new(16);
            for i in 0..16 {
                cache.lookup(&format!("/f{i}"), || open_file(&dir, &format!("f{i}")));
            }
            // f0 is used again, so f1 is now the oldest.
            cache.lookup("/f0", || panic!("f0 is cached"));
            cache.lookup("/f16", || open_file(&dir, "f16"));
            assert!(cache.descriptors() <= 16, "{}", cache.descriptors());
            cache.lookup("/f0", || panic!("f0 was used lately: kept"));
            let mut resolved_again = false;
            cache.lookup("/f1", || {
                resolved_again = true;
                open_file(&dir, "f1")
            });
            assert!(resolved_again, "f1 was the least recently used: evicted");
            cache.lookup("/missing", || Found::Status(503));
            let mut again = false;
            cache.lookup("/missing", || {
                again = true;
                Found::Status(404)
            });
            assert!(again, "a 503 is not cached");
            assert!(cache.shed_descriptors() > 0);
            assert_eq!(cache.descriptors(), 0);
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
}
