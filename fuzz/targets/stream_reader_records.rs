//! `stream_reader_records`: `StreamReader::read_line`, `read_until` and
//! `read_exact` under a limit, over a source that cuts the input into
//! reads of arbitrary sizes (and sometimes makes the reader wait).
//!
//! Layout: byte 0 is the limit (1 to 64), byte 1 picks the read sizes,
//! byte 2 the number of operations (1 to 16), then one byte per operation,
//! then the stream. Property: the records (and errors: overruns, the
//! partial bytes of an incomplete read) are the same however the stream
//! is split into reads: whole, in the picked sizes, or a byte at a time.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use reel::io::AsyncRead;
use reel::stream::{IncompleteRead, LimitOverrun, StreamReader};

/// A byte source that returns `sizes` bytes per read, cycling, and with
/// `wait` says `Pending` once before each read (its waker is a no-op: the
/// caller polls again).
struct Reads<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    reads: usize,
    wait: bool,
    waited: bool,
}

impl AsyncRead for Reads<'_> {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.wait && !self.waited {
            self.waited = true;
            return Poll::Pending;
        }
        self.waited = false;
        let size = self.sizes[self.reads % self.sizes.len()];
        self.reads += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(n))
    }
}

/// One operation's outcome.
#[derive(Debug, PartialEq, Eq)]
enum Record {
    Bytes(Vec<u8>),
    Overrun,
    Incomplete(Vec<u8>),
    Failed(io::ErrorKind),
}

fn record(result: io::Result<Vec<u8>>) -> Record {
    match result {
        Ok(bytes) => Record::Bytes(bytes),
        Err(e) if LimitOverrun::is(&e) => Record::Overrun,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            Record::Incomplete(IncompleteRead::take(e))
        }
        Err(e) => Record::Failed(e.kind()),
    }
}

/// Polls `future` to its end; the sources here never need a real wake.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

const SEPARATORS: [&[u8]; 4] = [b"\n", b";", b"\r\n", b"abc"];

fn records(stream: &[u8], sizes: &[usize], wait: bool, limit: usize, ops: &[u8]) -> Vec<Record> {
    let source = Reads { data: stream, sizes, reads: 0, wait, waited: false };
    let mut reader = StreamReader::with_limit(source, limit);
    let mut out = Vec::new();
    for &op in ops {
        let result = match op % 3 {
            0 => block_on(reader.read_line()),
            1 => block_on(reader.read_until(SEPARATORS[usize::from(op >> 2) % 4])),
            _ => block_on(reader.read_exact(usize::from(op >> 2) % 80)),
        };
        out.push(record(result));
        assert!(reader.buffered() <= limit.max(80) + 16 * 1024, "the buffer grew unbounded");
    }
    out.push(Record::Bytes(vec![u8::from(reader.at_eof())]));
    out
}

pub fn run(data: &[u8]) {
    let [limit, split, count, rest @ ..] = data else { return };
    let count = usize::from(count % 16) + 1;
    if rest.len() < count {
        return;
    }
    let (ops, stream) = rest.split_at(count);
    let limit = usize::from(limit % 64) + 1;
    let sizes = [usize::from(split % 13) + 1, usize::from(split >> 4) + 1];
    let whole = records(stream, &[stream.len().max(1)], false, limit, ops);
    let split = records(stream, &sizes, true, limit, ops);
    assert_eq!(whole, split, "sizes {sizes:?}");
    let bytes = records(stream, &[1], false, limit, ops);
    assert_eq!(whole, bytes, "a byte at a time");
}
