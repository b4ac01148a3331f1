//! `StreamReader`: buffered reads with a limit (asyncio.StreamReader).

use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::event_loop::await_site::traced;
use crate::io::AsyncRead;
use crate::net::OwnedReadHalf;
use crate::stream::read_errors::{IncompleteRead, LimitOverrun};

/// The default limit: the longest line or separator search, as in asyncio.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// How much one read from the source asks for when filling the buffer.
const CHUNK: usize = 16 * 1024;

/// Reads bytes, lines and exact amounts from a byte source, buffering what
/// it has read ahead (asyncio: `asyncio.StreamReader`).
///
/// Ground rule: the buffer never holds more than `limit` bytes of a peer's
/// input. A line or separator not found within the limit is a
/// [`LimitOverrun`] error; the overlong record is then skipped through its
/// separator, so the next read of any kind (`read_line`, `read_until`,
/// `read_exact`, `read`) starts at the next record, however the input was
/// split into reads.
pub struct StreamReader<R = OwnedReadHalf> {
    source: R,
    /// Read-ahead: `buf[start..end]` is data not yet returned. Past `end`
    /// the bytes are initialised but meaningless: room kept from an earlier
    /// fill, so the next one does not zero it again.
    /// Invariant: `end - start <= limit` (outside `read_exact`).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The source returned end of stream; the buffer may still hold data.
    eof: bool,
    /// Set after a `LimitOverrun` whose separator has not arrived yet: bytes
    /// are dropped until one of these separators, which ends the overlong
    /// record.
    skipping: Option<Vec<Vec<u8>>>,
    limit: usize,
}

impl<R: AsyncRead> StreamReader<R> {
    /// A reader over `source` with the default 64 KiB limit.
    pub fn new(source: R) -> Self {
        Self::with_limit(source, DEFAULT_LIMIT)
    }

    /// A reader over `source` whose lines and separator searches may not
    /// exceed `limit` bytes (asyncio: `StreamReader(limit=...)`).
    pub fn with_limit(source: R, limit: usize) -> Self {
        let buf = Vec::new();
        StreamReader { source, buf, start: 0, end: 0, eof: false, skipping: None, limit }
    }

    /// The limit given at construction.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// True once the source has ended and the buffer is empty
    /// (asyncio: `StreamReader.at_eof()`).
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffered() == 0
    }

    /// Up to `n` bytes: what is buffered, else what one read returns; empty
    /// only at end of stream (asyncio: `await reader.read(n)`).
    #[track_caller]
    pub fn read(&mut self, n: usize) -> impl Future<Output = io::Result<Vec<u8>>> {
        traced!(async move {
            if n == 0 {
                return Ok(Vec::new());
            }
            poll_fn(|cx| self.poll_skip(cx)).await?;
            if self.buffered() == 0 && !self.eof {
                poll_fn(|cx| self.poll_fill(cx, n.min(self.limit).max(1))).await?;
            }
            Ok(self.take(n.min(self.buffered())))
        })
    }

    /// The next line, through and including `\n`; at end of stream the
    /// unterminated rest (empty if none) (asyncio: `await reader.readline()`).
    #[track_caller]
    pub fn read_line(&mut self) -> impl Future<Output = io::Result<Vec<u8>>> {
        traced!(async move {
            match self.read_until(b"\n").await {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(IncompleteRead::take(e)),
                other => other,
            }
        })
    }

    /// Bytes through and including `separator` (asyncio:
    /// `await reader.readuntil(separator)`).
    ///
    /// Errors: [`IncompleteRead`] (kind `UnexpectedEof`) if the stream ends
    /// first, carrying what was read; [`LimitOverrun`] (kind `InvalidData`)
    /// if `limit` bytes pass without the separator. After an overrun the
    /// record is skipped through its separator and the reader stays usable.
    #[track_caller]
    pub fn read_until(&mut self, separator: &[u8]) -> impl Future<Output = io::Result<Vec<u8>>> {
        traced!(async move { self.until(&[separator]).await })
    }

    /// Bytes through and including the first of `separators` to end in the
    /// input (asyncio 3.13: `await reader.readuntil((sep1, sep2))`); the
    /// longest if two end at the same byte. Errors as
    /// [`read_until`](Self::read_until)'s; an overlong record is skipped
    /// through any of them.
    #[track_caller]
    pub fn read_until_any<'a>(
        &'a mut self,
        separators: &'a [&'a [u8]],
    ) -> impl Future<Output = io::Result<Vec<u8>>> + 'a {
        traced!(async move { self.until(separators).await })
    }

    async fn until(&mut self, separators: &[&[u8]]) -> io::Result<Vec<u8>> {
        assert!(
            !separators.is_empty() && separators.iter().all(|s| !s.is_empty()),
            "read_until: separators must not be empty"
        );
        let longest = separators.iter().map(|s| s.len()).max().unwrap_or(1);
        poll_fn(|cx| self.poll_skip(cx)).await?;
        let mut searched: usize = 0;
        loop {
            let data = &self.buf[self.start..self.end];
            let from = searched.saturating_sub(longest - 1);
            if let Some(end) = find_first(&data[from..], separators) {
                let end = from + end;
                if end > self.limit {
                    self.take(end);
                    return Err(LimitOverrun::error(self.limit));
                }
                return Ok(self.take(end));
            }
            searched = data.len();
            if searched >= self.limit {
                // Keep the tail that may begin a separator; drop the rest.
                self.take(searched - (longest - 1).min(searched));
                self.skipping = Some(separators.iter().map(|s| s.to_vec()).collect());
                return Err(LimitOverrun::error(self.limit));
            }
            if self.eof {
                let partial = self.take(searched);
                return Err(IncompleteRead::error(partial, None));
            }
            let room = self.limit - searched;
            poll_fn(|cx| self.poll_fill(cx, room.min(CHUNK))).await?;
        }
    }

    /// Exactly `n` bytes (asyncio: `await reader.readexactly(n)`); at end of
    /// stream an [`IncompleteRead`] error carrying the bytes that did come.
    /// `n` is the caller's choice, so it is not bounded by the limit.
    #[track_caller]
    pub fn read_exact(&mut self, n: usize) -> impl Future<Output = io::Result<Vec<u8>>> {
        traced!(async move {
            poll_fn(|cx| self.poll_skip(cx)).await?;
            while self.buffered() < n {
                if self.eof {
                    let partial = self.take(self.buffered());
                    return Err(IncompleteRead::error(partial, Some(n)));
                }
                let want = (n - self.buffered()).min(CHUNK.max(self.limit));
                poll_fn(|cx| self.poll_fill(cx, want)).await?;
            }
            Ok(self.take(n))
        })
    }

    /// The source, to ask it what only it can tell (a socket's
    /// [`input_waiting`](crate::net::OwnedReadHalf::input_waiting)).
    pub fn get_ref(&self) -> &R {
        &self.source
    }

    /// Consumes the source and returns it; buffered bytes are lost.
    pub fn into_inner(self) -> R {
        self.source
    }

    /// The source, and the bytes read ahead from it and not yet returned:
    /// what the peer sent next, for whoever reads the source from here on
    /// (a STARTTLS upgrade hands them to TLS: see `start_tls.rs`).
    #[cfg(feature = "tls")]
    pub(super) fn into_parts(self) -> (R, Vec<u8>) {
        let read_ahead = self.buf[self.start..self.end].to_vec();
        (self.source, read_ahead)
    }

    /// Bytes read ahead from the source and not yet returned; never more
    /// than the limit on a peer's input, and 0 (no memory held) when idle.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// The buffered bytes, reading more first if none are (futures-io's
    /// `poll_fill_buf`); empty at end of stream. An overlong record being
    /// skipped is skipped first, as for every other read.
    #[cfg(feature = "futures-io")]
    pub(crate) fn poll_buffered(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        if self.skipping.is_some() {
            std::task::ready!(self.poll_skip(cx))?;
        }
        if self.buffered() == 0 && !self.eof {
            std::task::ready!(self.poll_fill(cx, CHUNK))?;
        }
        Poll::Ready(Ok(&self.buf[self.start..self.end]))
    }

    /// Marks the first `n` buffered bytes as read (futures-io's `consume`).
    #[cfg(feature = "futures-io")]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.buffered());
        if self.start == self.end {
            self.buf = Vec::new();
            (self.start, self.end) = (0, 0);
        }
    }

    /// Removes and returns the first `n` buffered bytes. The buffer's memory
    /// is given back once it is empty: an idle connection holds none.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let taken = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.buf = Vec::new();
            (self.start, self.end) = (0, 0);
        }
        taken
    }

    /// Reads up to `want` more bytes from the source into the buffer.
    /// Ready(Ok(0)) means end of stream (and sets `eof`).
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<usize>> {
        if self.start > 0 && self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        // Only room never used before is zeroed: a record arriving a byte
        // at a time must not cost a 16 KiB memset per read.
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        let result = self.source.poll_read(cx, &mut self.buf[self.end..self.end + want]);
        let got = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        self.end += got;
        if self.end == 0 {
            // Nothing buffered while we wait: hold no memory.
            self.buf = Vec::new();
        }
        if got == 0 && matches!(result, Poll::Ready(Ok(_))) {
            self.eof = true;
        }
        result
    }

    /// Drops bytes up to and including the separator of an overlong record.
    fn poll_skip(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(separators) = self.skipping.take() {
            let data = &self.buf[self.start..self.end];
            if let Some(end) = find_first(data, &separators) {
                self.take(end);
                break;
            }
            let longest = separators.iter().map(Vec::len).max().unwrap_or(1);
            let keep = (longest - 1).min(data.len());
            self.take(data.len() - keep);
            self.skipping = Some(separators);
            if self.eof {
                self.skipping = None;
                break;
            }
            match self.poll_fill(cx, CHUNK) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// Where the first of `separators` to end in `haystack` ends (the longest
/// of those ending there), or `None`.
fn find_first(haystack: &[u8], separators: &[impl AsRef<[u8]>]) -> Option<usize> {
    let ends = separators
        .iter()
        .map(AsRef::as_ref)
        .filter_map(|sep: &[u8]| find(haystack, sep).map(|at| (at + sep.len(), sep.len())));
    ends.min_by_key(|&(end, len)| (end, std::cmp::Reverse(len))).map(|(end, _)| end)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&b| b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl<R> fmt::Debug for StreamReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}
