//! The read and write buffers of one worker's connections, lent out and
//! taken back: a connection holds them only while it reads a request or has
//! a response to write. An idle keep-alive connection holds neither, so ten
//! thousand of them cost their sockets and tasks, not 16 KiB of buffer each
//! (nginx frees a keep-alive connection's buffers the same way).
//!
//! Busy connections hand their buffers back after every response and take
//! them again for the next request: a push and a pop here, no allocation.
//! The pool is bounded in count and in bytes: at most `KEEP` read buffers
//! (1 MiB), and write buffers up to `WRITE_BYTES` in all, none that a large
//! pipelined batch grew past `LARGEST_KEPT`. So it holds at most 2 MiB per
//! worker however many connections came and went.

use std::cell::{Cell, RefCell};

/// The read buffer's size: a whole head at its limit, with room to spare
/// for what a pipelining client sends after it.
pub const READ_BUFFER: usize = 16 * 1024;

/// The most buffers of each kind kept for reuse.
const KEEP: usize = 64;

/// Write buffers larger than this are freed, not kept.
const LARGEST_KEPT: usize = 128 * 1024;

/// The most bytes of write buffers kept, in all.
pub const WRITE_BYTES: usize = 1024 * 1024;

/// One worker's spare buffers (single thread: `RefCell`, no lock).
#[derive(Default)]
pub struct Buffers {
    reads: RefCell<Vec<Box<[u8]>>>,
    writes: RefCell<Vec<Vec<u8>>>,
    /// The capacity of the kept write buffers, at most `WRITE_BYTES`.
    write_bytes: Cell<usize>,
}

impl Buffers {
    /// A read buffer of `READ_BUFFER` bytes.
    pub fn take_read(&self) -> Box<[u8]> {
        let spare = self.reads.borrow_mut().pop();
        spare.unwrap_or_else(|| vec![0; READ_BUFFER].into_boxed_slice())
    }

    /// Takes a read buffer back (an empty one is just dropped).
    pub fn give_read(&self, buffer: Box<[u8]>) {
        let mut reads = self.reads.borrow_mut();
        if buffer.len() == READ_BUFFER && reads.len() < KEEP {
            reads.push(buffer);
        }
    }

    /// An empty write buffer, with room from its last use if it had one.
    pub fn take_write(&self) -> Vec<u8> {
        let spare = self.writes.borrow_mut().pop().unwrap_or_default();
        self.write_bytes.set(self.write_bytes.get() - spare.capacity());
        spare
    }

    /// Takes a write buffer back, emptied.
    pub fn give_write(&self, mut buffer: Vec<u8>) {
        let mut writes = self.writes.borrow_mut();
        let size = buffer.capacity();
        let fits = size > 0 && size <= LARGEST_KEPT && self.write_bytes.get() + size <= WRITE_BYTES;
        if fits && writes.len() < KEEP {
            buffer.clear();
            writes.push(buffer);
            self.write_bytes.set(self.write_bytes.get() + size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_the_pool_is_bounded() {
        let buffers = Buffers::default();
        let read = buffers.take_read();
        let at = read.as_ptr();
        buffers.give_read(read);
        let again = buffers.take_read();
        assert_eq!(again.as_ptr(), at, "the same buffer comes back");
        buffers.give_read(again);
        for _ in 0..KEEP + 10 {
            buffers.give_read(vec![0; READ_BUFFER].into_boxed_slice());
            buffers.give_write(Vec::with_capacity(100));
        }
        buffers.give_write(Vec::with_capacity(LARGEST_KEPT + 1));
        assert_eq!(buffers.reads.borrow().len(), KEEP);
        for _ in 0..KEEP {
            buffers.take_write();
        }
        for _ in 0..KEEP {
            buffers.give_write(Vec::with_capacity(LARGEST_KEPT));
        }
        let kept: usize = buffers.writes.borrow().iter().map(Vec::capacity).sum();
        assert!(kept <= WRITE_BYTES, "{kept} bytes of write buffers kept");
        assert_eq!(kept, buffers.write_bytes.get());
        for _ in 0..KEEP {
            buffers.take_write();
        }
        assert_eq!(buffers.write_bytes.get(), 0);
        for _ in 0..KEEP + 10 {
            buffers.give_write(Vec::with_capacity(100));
        }
        buffers.give_read(Box::default());
        assert!(buffers.reads.borrow().iter().all(|r| r.len() == READ_BUFFER));
        assert_eq!(buffers.writes.borrow().len(), KEEP);
        assert!(buffers.writes.borrow().iter().all(|w| w.capacity() <= LARGEST_KEPT));
    }
}
