//! Static files under the root: path confinement, directories and their
//! `index.html`, content types, validators (`ETag`, `Last-Modified`, `304`)
//! and single byte ranges (`206`, `416`; the header is parsed in `ranges`).
//!
//! This module decides what to send; the connection sends it (see
//! `conn::send_file`). What a path resolved to is cached for a second (see
//! `cache`), so the checks below run once per path per second, not per
//! request.
//!
//! Ground rules: nothing outside the root is ever served. A `..` segment is
//! refused before any system call; every file or directory actually opened
//! is then checked by where it really is (its `/proc/self/fd` link, which
//! has every symlink resolved) against the canonical root, so a symlink that
//! leads out is `403`. Opening uses `O_NONBLOCK`, so a FIFO under the root
//! cannot block the loop; only regular files are served.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, ErrorKind};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::cache::{Cache, Content, Found, OpenFile};
use crate::clock;
use crate::parse::Request;
use crate::ranges::{Range, parse_range};
use crate::response::{Body, Response};
use crate::target::{percent_encode, relative_path};

/// Serves the files under one directory.
pub struct Files {
    /// The root, canonical (absolute, no symlinks): the prefix every opened
    /// path must have.
    root: PathBuf,
    /// What request paths resolved to, for a second (see `cache`).
    cache: Cache,
    /// When the last "out of file descriptors" warning went out.
    out_of_fds: OutOfFds,
    /// `Cache-Control` for files (`max-age=N`, from `--max-age`), or none:
    /// then a cache guesses freshness from `Last-Modified`, as with nginx.
    cache_control: Option<String>,
}

impl Files {
    /// Serves `root`, which must be an existing directory; its cache holds
    /// at most `fd_budget` open files. With `max_age`, files are fresh for
    /// that many seconds (`Cache-Control: max-age=N`).
    pub fn new(root: &Path, fd_budget: usize, max_age: Option<u64>) -> io::Result<Files> {
        let root = root.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(ErrorKind::NotADirectory, format!("{}", root.display())));
        }
        let cache_control = max_age.map(|secs| format!("max-age={secs}"));
        let (cache, out_of_fds) = (Cache::new(fd_budget), OutOfFds::default());
        Ok(Files { root, cache, out_of_fds, cache_control })
    }

    /// The response for a GET or HEAD no route took (the app has refused
    /// other methods already).
    pub fn serve(&self, request: &Request) -> Response {
        match self.cache.lookup(&request.path, || self.resolve(&request.path)) {
            Found::File(open) => self.file_response(request, open),
            Found::Directory => {
                let mut location = percent_encode(&request.path);
                location.push('/');
                if let Some(query) = &request.query {
                    location = format!("{location}?{query}");
                }
                Response::error(301).header("Location", location)
            }
            Found::Status(503) => Response::error(503).header("Retry-After", "1"),
            Found::Status(status) => Response::error(status),
        }
    }

    /// `ROOT/index.html` for the `/` route, or `None` if there is none.
    pub fn index(&self, request: &Request) -> Option<Response> {
        match self.cache.lookup("/", || self.resolve("/")) {
            Found::File(open) => Some(self.file_response(request, open)),
            Found::Status(404) | Found::Directory => None,
            Found::Status(status) => Some(Response::error(status)),
        }
    }

    /// The response for an open regular file: `200`, `206`, `304` or `416`.
    fn file_response(&self, request: &Request, open: Rc<OpenFile>) -> Response {
        let (len, etag) = (open.len, open.etag.as_str());
        if not_modified(request, etag, open.mtime) {
            let response = Response::new(304)
                .header("ETag", etag.to_string())
                .header("Last-Modified", open.last_modified.clone());
            return self.fresh_for(response);
        }
        let mut range = request.header("Range").map_or(Range::Whole, |r| parse_range(r, len));
        if let Some(validator) = request.header("If-Range") {
            if validator.trim() != etag && validator.trim() != open.last_modified {
                range = Range::Whole;
            }
        }
        let (status, offset, part) = match range {
            Range::Whole => (200, 0, len),
            Range::Part(first, last) => (206, first, last - first + 1),
            Range::Unsatisfiable => {
                return Response::error(416).header("Content-Range", format!("bytes */{len}"));
            }
        };
        let mut response = Response::new(status)
            .header("Content-Type", open.content_type)
            .header("ETag", etag.to_string())
            .header("Last-Modified", open.last_modified.clone())
            .header("Accept-Ranges", "bytes");
        if status == 206 {
            let last = offset + part - 1;
            response = response.header("Content-Range", format!("bytes {offset}-{last}/{len}"));
        }
        response.body = Body::File { file: open, offset, len: part };
        self.fresh_for(response)
    }

    /// `response` with the files' `Cache-Control`, if `--max-age` gave one (a
    /// `304` carries it too, as RFC 9110 15.4.5 asks).
    fn fresh_for(&self, response: Response) -> Response {
        match &self.cache_control {
            Some(value) => response.header("Cache-Control", value.clone()),
            None => response,
        }
    }

    /// What the decoded request `path` names under the root, from the disk.
    fn resolve(&self, path: &str) -> Found {
        let relative = match relative_path(path) {
            Ok(relative) => relative,
            Err(status) => return Found::Status(status),
        };
        let full = self.root.join(relative);
        let (file, meta) = match self.open(&full) {
            Ok(opened) => opened,
            Err(status) => return Found::Status(status),
        };
        let trailing_slash = path.ends_with('/');
        if meta.is_dir() && !trailing_slash {
            return Found::Directory;
        }
        if meta.is_dir() {
            let index = full.join("index.html");
            return match self.open(&index) {
                Ok((file, meta)) if meta.is_file() => self.open_file(index, file, &meta),
                Ok(_) => Found::Status(404),
                Err(status) => Found::Status(status),
            };
        }
        if !meta.is_file() || trailing_slash {
            return Found::Status(404);
        }
        self.open_file(full, file, &meta)
    }

    /// The cache's description of a regular file: a small one is read
    /// whole and its descriptor closed; a larger one stays open.
    fn open_file(&self, path: PathBuf, file: File, meta: &Metadata) -> Found {
        let content = if self.cache.has_room_for(meta.len()) {
            let mut bytes = vec![0; meta.len() as usize].into_boxed_slice();
            match file.read_exact_at(&mut bytes, 0) {
                Ok(()) => Content::Bytes(bytes),
                Err(e) => {
                    log::warn!("reading {}: {e}", path.display());
                    return Found::Status(500);
                }
            }
        } else {
            Content::File(file)
        };
        Found::File(Rc::new(OpenFile::new(path, content, meta)))
    }

    /// Opens `path` and checks where it really is; errors are statuses.
    /// Out of descriptors, the cache gives its own back and the open is
    /// tried once more; if it still fails, `503`: a file that exists is
    /// never a `404` for want of a descriptor.
    fn open(&self, path: &Path) -> Result<(File, Metadata), u16> {
        let open = || OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path);
        let file = match open() {
            Err(e) if out_of_descriptors(&e) => {
                let shed = self.cache.shed_descriptors();
                open().inspect_err(|e| self.out_of_fds.warn(path, shed, e))
            }
            opened => opened,
        };
        let file = file.map_err(|e| status_of(&e))?;
        if !self.confined(&file, path) {
            log::warn!("refused {}: it resolves outside the root", path.display());
            return Err(403);
        }
        let meta = file.metadata().map_err(|_| 404u16)?;
        Ok((file, meta))
    }

    /// True if the open `file` lies under the root, symlinks resolved.
    fn confined(&self, file: &File, path: &Path) -> bool {
        // One readlink of the descriptor's own link: cheaper than
        // canonicalize, which walks every component of the path.
        let real = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
            .or_else(|_| path.canonicalize());
        real.is_ok_and(|real| real.starts_with(&self.root))
    }
}

/// EMFILE (this process) or ENFILE (the system).
fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// The status for a failed `open`: only a path that is not there is `404`.
fn status_of(e: &io::Error) -> u16 {
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP | libc::ENAMETOOLONG) => 404,
        Some(libc::EACCES | libc::EPERM) => 403,
        Some(libc::EMFILE | libc::ENFILE | libc::ENOMEM) => 503,
        _ => {
            log::warn!("open failed: {e}");
            500
        }
    }
}

/// Warns about running out of descriptors at most once a second.
#[derive(Default)]
struct OutOfFds(std::cell::Cell<Option<std::time::Instant>>);

impl OutOfFds {
    fn warn(&self, path: &Path, shed: usize, e: &io::Error) {
        let now = reel::time::now();
        if self.0.get().is_some_and(|at| now - at < std::time::Duration::from_secs(1)) {
            return;
        }
        self.0.set(Some(now));
        if out_of_descriptors(e) {
            log::warn!(
                "out of file descriptors opening {} (the cache gave back {shed}): 503",
                path.display()
            );
        }
    }
}

/// `If-None-Match` (a list of tags, or `*`) decides when present; else
/// `If-Modified-Since` at or after the modification time means not modified.
fn not_modified(request: &Request, etag: &str, mtime: u64) -> bool {
    if let Some(tags) = request.header("If-None-Match") {
        // Weak comparison (RFC 9110 8.8.3.2): `W/"x"` matches `"x"`.
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    let since = request.header("If-Modified-Since").and_then(|d| clock::parse_http_date(d.trim()));
    since.is_some_and(|since| since >= mtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_path_is_404_and_out_of_descriptors_is_503() {
        let status = |errno| status_of(&io::Error::from_raw_os_error(errno));
        for missing in [libc::ENOENT, libc::ENOTDIR, libc::ELOOP, libc::ENAMETOOLONG] {
            assert_eq!(status(missing), 404);
        }
        assert_eq!((status(libc::EACCES), status(libc::EPERM)), (403, 403));
        assert_eq!((status(libc::EMFILE), status(libc::ENFILE)), (503, 503));
        assert_eq!(status(libc::EIO), 500);
    }
}
