//! A child's stdin, stdout and stderr as reel streams: the pipe's end in
//! this process, on the loop as a [`PipeReader`] or [`PipeWriter`]
//! (src/net/pipe.rs), so a read parks until the child writes and a write
//! parks until the child reads (backpressure, as asyncio's pipe transports
//! have).

use std::io;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite};
use crate::net::{PipeReader, PipeWriter};

/// The child's standard input, for writing (asyncio: `proc.stdin`, a
/// `StreamWriter`; wrap this in `reel::stream::StreamWriter` for one).
/// `shutdown` (or dropping it) closes the pipe: the child reads EOF.
#[derive(Debug)]
pub struct ChildStdin(PipeWriter);

/// The child's standard output, for reading (asyncio: `proc.stdout`).
#[derive(Debug)]
pub struct ChildStdout(PipeReader);

/// The child's standard error, for reading (asyncio: `proc.stderr`).
#[derive(Debug)]
pub struct ChildStderr(PipeReader);

impl ChildStdin {
    pub(super) fn new(pipe: std::process::ChildStdin) -> io::Result<Self> {
        PipeWriter::labelled(pipe.into(), "child stdin").map(ChildStdin)
    }
}

impl ChildStdout {
    pub(super) fn new(pipe: std::process::ChildStdout) -> io::Result<Self> {
        PipeReader::labelled(pipe.into(), "child stdout").map(ChildStdout)
    }
}

impl ChildStderr {
    pub(super) fn new(pipe: std::process::ChildStderr) -> io::Result<Self> {
        PipeReader::labelled(pipe.into(), "child stderr").map(ChildStderr)
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.0.shutdown()
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}
