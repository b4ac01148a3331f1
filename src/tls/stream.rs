//! `TlsStream`: a TCP stream with a rustls connection beside it; the only
//! place that moves TLS bytes between the two (asyncio: `sslproto`'s
//! `SSLProtocol`, and its `_do_handshake`, `_do_read`, `_do_write`).

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};
use std::time::Duration;

use super::bridge::{Reader, Writer};
use crate::net::TcpStream;

/// The most plaintext one write encrypts: two records, sent with one
/// `writev`. The socket's room is only a guide: under memory pressure the
/// kernel refuses a write it said it had room for, and what was encrypted
/// waits here (for a reader that never reads, until `--send-timeout`).
/// Measured with 1,000 such readers: 64 KiB (rustls's own limit) cost
/// 28 KB a reader, 32 KiB 19 KB, 16 KiB 15 KB; against one 1 GB download,
/// 32 KiB cost the same CPU as 64 KiB and 16 KiB half as much again.
const MOST_PER_WRITE: usize = 32 * 1024;

/// The least plaintext one write encrypts, however full the socket: a
/// quarter record. (A write that waits for room first would cost a system
/// call per write; this one is offered, and waits if it must.)
const LEAST_PER_WRITE: usize = 4 * 1024;

/// What one write encrypts where the system does not say how much room
/// the socket has: one record.
const RECORD: usize = 16 * 1024;

/// A TLS connection over a [`TcpStream`] (asyncio: an `SSLProtocol`'s
/// transport, what `start_server(..., ssl=ctx)` hands its streams).
///
/// Made by [`accept`](Self::accept) (a server's side) or
/// [`connect`](Self::connect) (a client's), each of which returns once the
/// handshake is done (handshake.rs), or by a STARTTLS upgrade of an open
/// connection (`reel::stream::start_tls_server`, `start_tls_client`).
/// Reads return plaintext; writes are encrypted. The methods take `&self`,
/// as `TcpStream`'s do; [`into_split`](Self::into_split) gives a reader and
/// a writer half for two tasks.
pub struct TlsStream {
    pub(super) tcp: TcpStream,
    pub(super) state: RefCell<State>,
}

pub(super) struct State {
    pub(super) tls: rustls::Connection,
    /// `close` queued `close_notify`: the FIN follows once it is out.
    pub(super) closing: bool,
    /// The FIN was sent.
    pub(super) fin_sent: bool,
}

impl TlsStream {
    /// Lets rustls decrypt what it has read. On a bad record it has queued
    /// an alert: that is offered to the socket (without waiting) before the
    /// error is returned, so the peer learns why it is being dropped.
    pub(super) fn process(&self, state: &mut State) -> io::Result<()> {
        if let Err(e) = state.tls.process_new_packets() {
            self.offer(state);
            return Err(invalid(e));
        }
        Ok(())
    }

    /// Writes what rustls has to send as far as the socket takes it now,
    /// parking nothing (see `bridge::Writer`).
    fn offer(&self, state: &mut State) {
        let mut out = Writer { tcp: &self.tcp, cx: None };
        while state.tls.wants_write() && state.tls.write_tls(&mut out).is_ok_and(|n| n > 0) {}
    }

    /// Reads plaintext into `buf`: `Ok(0)` once the peer has sent
    /// `close_notify`. A TCP end without it is `UnexpectedEof`.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut state = self.state.borrow_mut();
        loop {
            match state.tls.reader().read(buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(truncated(e))),
            }
            // Nothing decrypted yet: read more records. At end of stream
            // rustls notes it, and the reader above says which end it was.
            let mut source = Reader { tcp: &self.tcp, cx };
            try_io!(state.tls.read_tls(&mut source));
            self.process(&mut state)?;
            // A read can make rustls want to answer (a key update): offered
            // without waiting; the write side sends the rest.
            self.offer(&mut state);
        }
    }

    /// Encrypts some of `buf`: about as much as the socket's send buffer
    /// has room for (Linux says how much; elsewhere one record), between 4
    /// and 32 KiB. The records go to the socket now if it takes them, else
    /// in [`poll_flush`](Self::poll_flush), and the records of an earlier
    /// write are sent first: so a peer that reads slowly leaves little of
    /// its output encrypted and waiting in this process, while a fast one
    /// gets 32 KiB a system call.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut state = self.state.borrow_mut();
        std::task::ready!(self.send(&mut state, cx))?;
        if state.closing {
            let e = io::Error::new(io::ErrorKind::BrokenPipe, "write after close");
            return Poll::Ready(Err(e));
        }
        let take = encrypt_now(buf.len(), || self.tcp.send_room());
        let n = state.tls.writer().write(&buf[..take])?;
        if let Poll::Ready(Err(e)) = self.send(&mut state, cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    /// Waits until every record is on the socket, and after
    /// [`close`](Self::close) sends the FIN behind `close_notify`.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.state.borrow_mut();
        std::task::ready!(self.send(&mut state, cx))?;
        if state.closing {
            self.send_fin(&mut state);
        }
        Poll::Ready(Ok(()))
    }

    /// Writes rustls's pending records until none is left or the socket is
    /// full (then `Pending`, parked for writability).
    pub(super) fn send(&self, state: &mut State, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut out = Writer { tcp: &self.tcp, cx: Some(cx) };
        while state.tls.wants_write() {
            try_io!(state.tls.write_tls(&mut out));
        }
        Poll::Ready(Ok(()))
    }

    /// Sends the TCP FIN, once, after `close_notify` has gone out.
    fn send_fin(&self, state: &mut State) {
        if state.fin_sent {
            return;
        }
        state.fin_sent = true;
        if let Err(e) = self.tcp.shutdown(Shutdown::Write) {
            // The peer is gone already (ENOTCONN): nothing to tell it.
            log::debug!(target: "reel", "TLS stream shutdown: {e}");
        }
    }

    /// Queues `close_notify`; [`poll_flush`](Self::poll_flush) sends it and
    /// then the FIN. Later writes fail (asyncio: `transport.close()`).
    pub fn close(&self) {
        let mut state = self.state.borrow_mut();
        if !state.closing {
            state.closing = true;
            state.tls.send_close_notify();
        }
    }

    /// Sends what can go without waiting, then the FIN if all of it went:
    /// the last word of a stream dropped without a flush.
    pub(super) fn close_now(&self) {
        self.close();
        let mut state = self.state.borrow_mut();
        self.offer(&mut state);
        if !state.tls.wants_write() {
            self.send_fin(&mut state);
        }
    }

    /// Sends `close_notify` and the FIN, waiting for the socket to take
    /// them (asyncio: `writer.close(); await writer.wait_closed()`).
    pub async fn shutdown(&self) -> io::Result<()> {
        self.close();
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Reads and drops plaintext until the peer ends the stream, for at
    /// most `within`: a lingering close, after [`close`](Self::close) (see
    /// [`TcpStream::discard_until_eof`]). Returns the bytes dropped; an end
    /// without `close_notify` counts as an end here.
    pub async fn discard_until_eof(&self, within: Duration) -> io::Result<u64> {
        let mut dropped = 0;
        let discard = poll_fn(|cx| {
            let mut buf = [0; 4096];
            loop {
                match std::task::ready!(self.poll_read(cx, &mut buf)) {
                    Ok(0) => return Poll::Ready(Ok(())),
                    Ok(n) => dropped += n as u64,
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        return Poll::Ready(Ok(()));
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        });
        match crate::time::timeout(within, discard).await {
            Ok(result) => result.map(|()| dropped),
            Err(_) => Ok(dropped),
        }
    }

    /// True if plaintext is decrypted and waiting, or the socket holds
    /// bytes not read yet (see [`TcpStream::input_waiting`]).
    pub fn input_waiting(&self) -> bool {
        self.has_plaintext() || self.tcp.input_waiting()
    }

    /// Waits until a read may make progress: plaintext is waiting, the peer
    /// has sent `close_notify` (the read says end of stream, though the
    /// peer may keep its TCP side open for the answer), rustls holds an
    /// error to report, or the socket is readable (which may hold only part
    /// of a record, so the read that follows can still be `Pending`).
    pub async fn readable(&self) -> io::Result<()> {
        if self.read_is_due() {
            return Ok(());
        }
        self.tcp.readable().await
    }

    fn has_plaintext(&self) -> bool {
        self.taken_in(|io| io.plaintext_bytes_to_read() > 0).unwrap_or(false)
    }

    /// Whether a read would answer without the socket: plaintext, the
    /// peer's `close_notify` already taken in, or an error.
    fn read_is_due(&self) -> bool {
        self.taken_in(|io| io.plaintext_bytes_to_read() > 0 || io.peer_has_closed()).unwrap_or(true)
    }

    /// `ask` of what rustls has taken in, through the state that
    /// `process_new_packets` returns (a no-op when nothing new came);
    /// `None` if rustls holds an error.
    fn taken_in(&self, ask: impl FnOnce(&rustls::IoState) -> bool) -> Option<bool> {
        let mut state = self.state.borrow_mut();
        state.tls.process_new_packets().ok().map(|io| ask(&io))
    }

    /// The protocol agreed by ALPN (`b"http/1.1"`), if any (asyncio:
    /// `ssl_object.selected_alpn_protocol()`).
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.state.borrow().tls.alpn_protocol().map(<[u8]>::to_vec)
    }

    /// The TLS version agreed, as rustls names it (`TLSv1_3`).
    pub fn protocol_version(&self) -> Option<String> {
        self.state.borrow().tls.protocol_version().map(|v| format!("{v:?}"))
    }

    /// The TCP stream underneath, for its socket options.
    pub fn get_ref(&self) -> &TcpStream {
        &self.tcp
    }

    /// The remote address (asyncio: `get_extra_info('peername')`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.peer_addr()
    }
}

impl fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("TlsStream")
            .field("tcp", &self.tcp)
            .field("handshaking", &state.tls.is_handshaking())
            .field("closing", &state.closing)
            .finish()
    }
}

/// How much of a write of `len` bytes to encrypt now: all of it if it is
/// no more than the least (a chat line, a page: no system call to ask),
/// else about the socket's `room`, between the least and the most.
fn encrypt_now(len: usize, room: impl FnOnce() -> Option<usize>) -> usize {
    if len <= LEAST_PER_WRITE {
        return len;
    }
    let room = room().unwrap_or(RECORD);
    len.min(room.clamp(LEAST_PER_WRITE, MOST_PER_WRITE))
}

/// A rustls configuration error, or a peer's bad TLS input.
pub(super) fn invalid(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}"))
}

/// rustls's `UnexpectedEof` said plainly; other errors as they are.
fn truncated(e: io::Error) -> io::Error {
    if e.kind() != io::ErrorKind::UnexpectedEof {
        return e;
    }
    let what = "the peer closed the connection without a TLS close_notify";
    io::Error::new(io::ErrorKind::UnexpectedEof, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_write_asks_nothing_and_a_large_one_takes_about_the_room() {
        let unasked = || -> Option<usize> { panic!("a small write asks the socket nothing") };
        assert_eq!(encrypt_now(100, unasked), 100);
        assert_eq!(encrypt_now(LEAST_PER_WRITE, unasked), LEAST_PER_WRITE);
        assert_eq!(encrypt_now(100_000, || Some(0)), LEAST_PER_WRITE, "a full socket: the least");
        assert_eq!(encrypt_now(100_000, || Some(10_000)), 10_000, "about the room");
        assert_eq!(encrypt_now(100_000, || Some(1 << 20)), MOST_PER_WRITE, "at most two records");
        assert_eq!(encrypt_now(100_000, || None), RECORD, "a system that does not say: a record");
        assert_eq!(encrypt_now(5_000, || Some(1 << 20)), 5_000);
    }
}
