//! The terminal mode: raw keys through the line editor, server chunks
//! drawn above the input line, and the terminal given back on every way out.
//!
//! # What the user sees
//!
//! A prompt `> ` on the last line, or the server's own prompt (the name
//! prompt) while it has one pending; what is typed appears after it, and
//! lines from others appear above it without disturbing it. Enter keeps the
//! line on screen and sends it. The rules, key by key and chunk by chunk,
//! are `line_editor`'s docs.
//!
//! Leaving: Ctrl-C, Ctrl-D or `/quit` sends `/quit`, erases the input line
//! (what was typed and not sent is dropped), gives the terminal back, and
//! prints the server's `Goodbye!` as the plain mode does. SIGTERM, SIGHUP
//! and SIGINT (which the keyboard cannot send in raw mode: Ctrl-C is a
//! byte; so this one comes from `kill`) leave the same way, with a note on
//! stderr, and the exit status is 128 + the signal's number, as a shell
//! reports a program that the signal killed. Without this a signal's
//! default action would end the process in raw mode, and the shell would
//! be left without echo.
//!
//! # Implementation
//!
//! One loop on one task, as in the plain mode: each turn races a signal,
//! a server chunk and a read of keys (`select`, biased in that order: a
//! stop is never starved by a busy server, nor the server by fast typing).
//! Every loser is safe to drop: a signal is counted, not consumed, until
//! `recv` returns; a `StreamReader` keeps what it has read; a `Stdin` read
//! that has not returned has read nothing.

use std::future::poll_fn;
use std::io::{self, Write};
use std::process::ExitCode;
use std::task::Poll;

use reel::io::Stdin;
use reel::signal::{SignalKind, Signals, signal};
use reel::sync::{Either, select};

use crate::line_editor::LineEditor;
use crate::output::print;
use crate::tty::{self, RawMode};
use crate::{
    CHUNK, Reader, Writer, closed_by_server, closed_or_failed, is_disconnect, print_goodbye,
};

/// The most one read from the keyboard takes (a paste comes in pieces).
const KEYS: usize = 1024;

/// What the loop waits for, one per turn.
enum Event {
    /// A signal that stops the client arrived.
    Stop(SignalKind),
    /// A chunk from the server (empty at its end), or the socket's error.
    Server(io::Result<Vec<u8>>),
    /// This many bytes came from the keyboard (0: the terminal hung up).
    Keys(io::Result<usize>),
}

/// What the loop does after an event.
enum Next {
    Talk,
    /// The user asked to leave and `/quit` is sent.
    Leave,
    /// The session is over; exit with this.
    End(io::Result<ExitCode>),
}

/// Talks until someone leaves, in raw mode; the terminal is restored
/// before the goodbye is printed, and on every return.
pub async fn chat(mut server: Reader, mut writer: Writer) -> io::Result<ExitCode> {
    // In this order, so that they drop the other way round: the keyboard
    // leaves the loop (fd 0 blocking again), the terminal is restored, and
    // only then can a signal's default action end the process.
    let mut stops = Stops::new()?;
    let raw = RawMode::enter()?;
    let mut keyboard = Stdin::new()?;
    let mut editor = LineEditor::new();
    editor.set_width(tty::columns());
    print(&editor.redraw()).await?;

    let mut keys = [0; KEYS];
    let stopped_by = loop {
        let event = next_event(&mut stops, &mut server, &mut keyboard, &mut writer, &mut keys);
        let next = match event.await {
            Event::Stop(kind) => break Some(leave_on_signal(kind, &mut editor, &mut writer).await),
            Event::Server(chunk) => on_server(chunk, &mut editor).await,
            Event::Keys(Ok(0)) => on_keys(b"\x04", &mut editor, &mut writer).await, // as Ctrl-D
            Event::Keys(Ok(n)) => on_keys(&keys[..n], &mut editor, &mut writer).await,
            Event::Keys(Err(e)) => Next::End(Err(e)),
        };
        match next {
            Next::Talk => editor.set_width(tty::columns()),
            Next::Leave => break None,
            Next::End(result) => return result,
        }
    };

    // Leaving: the keyboard is no longer read, so the terminal is given back
    // now, and the goodbye prints as in the plain mode.
    drop(keyboard);
    drop(raw);
    drop(stops);
    let goodbye = print_goodbye(&mut server).await;
    match stopped_by {
        // After SIGHUP there is no terminal to print on: the status stays.
        Some(kind) => Ok(exit_status(kind)),
        None => goodbye,
    }
}

/// Waits for the next signal, server chunk or keys. The keys wait until the
/// writer has room (backpressure; a drain fails only if the connection did,
/// which the next `write` reports).
async fn next_event(
    stops: &mut Stops,
    server: &mut Reader,
    keyboard: &mut Stdin,
    writer: &mut Writer,
    buf: &mut [u8],
) -> Event {
    let keys = async {
        let _ = writer.drain().await;
        keyboard.read(buf).await
    };
    match select(stops.recv(), select(server.read(CHUNK), keys)).await {
        Either::Left(kind) => Event::Stop(kind),
        Either::Right(Either::Left(chunk)) => Event::Server(chunk),
        Either::Right(Either::Right(n)) => Event::Keys(n),
    }
}

/// A server chunk is drawn above the input line; its end or a reset ends
/// the session as in the plain mode, below what was on screen.
async fn on_server(chunk: io::Result<Vec<u8>>, editor: &mut LineEditor) -> Next {
    let closed = match chunk {
        Ok(chunk) if chunk.is_empty() => None,
        Ok(chunk) => {
            return match print(&editor.server(&chunk)).await {
                Ok(()) => Next::Talk,
                Err(e) => Next::End(Err(e)),
            };
        }
        Err(e) if is_disconnect(&e) => Some(e),
        Err(e) => return Next::End(Err(e)),
    };
    if let Err(e) = print(&editor.finish()).await {
        return Next::End(Err(e));
    }
    Next::End(closed_by_server(closed).await)
}

/// Keys go through the editor: its lines are sent, its screen drawn.
async fn on_keys(keys: &[u8], editor: &mut LineEditor, writer: &mut Writer) -> Next {
    let typed = editor.keys(keys);
    for line in &typed.lines {
        if let Err(e) = writer.write(line) {
            let _ = print(&editor.finish()).await; // the error to report is the socket's
            return Next::End(closed_or_failed(e).await);
        }
    }
    match print(&typed.screen).await {
        Err(e) => Next::End(Err(e)),
        Ok(()) if typed.leave => Next::Leave,
        Ok(()) => Next::Talk,
    }
}

/// A signal from outside: the input line goes, `/quit` is sent, and a note
/// says why. Output errors are ignored: after SIGHUP the terminal is gone.
async fn leave_on_signal(
    kind: SignalKind,
    editor: &mut LineEditor,
    writer: &mut Writer,
) -> SignalKind {
    let _ = print(&editor.finish()).await;
    let _ = writeln!(io::stderr(), "chat_client: {kind}: leaving the chat");
    // If the socket failed, the goodbye phase finds it closed and ends.
    let _ = writer.write(b"/quit\n");
    kind
}

/// The exit status of a client that a signal stopped: 128 + its number.
fn exit_status(kind: SignalKind) -> ExitCode {
    u8::try_from(128 + kind.as_raw()).map_or(ExitCode::FAILURE, ExitCode::from)
}

/// The signals that stop the client, caught so that it ends through the
/// terminal guard rather than by their default action.
struct Stops {
    signals: [Signals; 3],
}

impl Stops {
    fn new() -> io::Result<Stops> {
        let kinds = [SignalKind::terminate(), SignalKind::hangup(), SignalKind::interrupt()];
        let [a, b, c] = kinds.map(signal);
        Ok(Stops { signals: [a?, b?, c?] })
    }

    /// The next stopping signal. A failed wake-up pipe (`None`, which does
    /// not happen in practice) counts as its signal: better to leave than
    /// to spin on it.
    async fn recv(&mut self) -> SignalKind {
        poll_fn(|cx| {
            for signals in &mut self.signals {
                if signals.poll_recv(cx).is_ready() {
                    return Poll::Ready(signals.kind());
                }
            }
            Poll::Pending
        })
        .await
    }
}
