//! Lines out of a read half, through a small buffer that grows only for a
//! long line.
//!
//! Why not `reel::stream::StreamReader`: it sizes its buffer for each read
//! (zero-filling the room it reads into), which for 10,000 clients in a
//! debug build was most of this tool's time. Here each client keeps one
//! small buffer, read into directly.

use std::io;

use reel::net::OwnedReadHalf;

/// A client's buffer starts this small: the server's lines to a crowd are
/// short (notices, the greeting, one chat line).
const START: usize = 512;
/// The longest line accepted.
const MOST: usize = 64 * 1024;

pub struct Lines {
    read: OwnedReadHalf,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Set once the server has closed.
    eof: bool,
}

impl Lines {
    pub fn new(read: OwnedReadHalf) -> Lines {
        Lines { read, buf: vec![0; START], start: 0, end: 0, eof: false }
    }

    /// The next line with its `\n`; empty at EOF (the unterminated rest,
    /// if any, first). Cancellation-safe: a dropped call loses nothing.
    pub async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            let unread = &self.buf[self.start..self.end];
            if let Some(at) = unread.iter().position(|&b| b == b'\n') {
                let line = unread[..=at].to_vec();
                self.start += at + 1;
                return Ok(line);
            }
            if self.eof {
                let rest = unread.to_vec();
                self.start = self.end;
                return Ok(rest);
            }
            self.fill().await?;
        }
    }

    /// Reads until the buffer ends with `prompt` (which has no newline),
    /// and drops everything up to there.
    pub async fn prompt(&mut self, prompt: &[u8]) -> io::Result<()> {
        while !self.buf[self.start..self.end].ends_with(prompt) {
            if self.eof {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed before the prompt",
                ));
            }
            self.fill().await?;
        }
        self.start = self.end;
        Ok(())
    }

    /// Reads more into the buffer: moves the unread bytes to the front,
    /// grows the buffer if they fill it, and sets `eof` at the end.
    async fn fill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            if self.buf.len() >= MOST {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "a line over 64 KiB"));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.read.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }
}
