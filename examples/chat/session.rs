//! One client's session: its name, then its lines and commands, until it
//! quits, disconnects, is kicked, or the server stops (see `stop` for how
//! a session ends when the server stops).

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use reel::net::TcpStream;
use reel::stream::{LimitOverrun, StreamReader};

use crate::commands::{self, Flow};
use crate::ctx::{Ctx, check_message, send_history};
use crate::limits::{BUSY, TIMED_OUT};
use crate::outbox::Outbox;
use crate::protocol::{self, Input};
use crate::rate::TokenBucket;
use crate::stop;
use crate::transport::{self, ReadSide};

/// The longest line read whole; longer ones are refused without buffering.
pub const LINE_LIMIT: usize = 4096;
/// Lines a session handles before it lets the other tasks run.
const YIELD_EVERY: u32 = 16;
/// Name tries before the server gives up on a client.
const NAME_TRIES: usize = 3;
const GOODBYE: &str = "Server shutting down. Goodbye!\n";

/// What the next wait brought.
enum Next {
    Line(io::Result<Vec<u8>>),
    Stop,
    Kicked,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Quit,
    Disconnected,
    ConnectionLost,
    Kicked,
    Stop,
    /// Left, or was sent away, before choosing a name.
    NoName,
}

impl Ending {
    /// How the log says it.
    fn as_str(self) -> &'static str {
        match self {
            Ending::Quit => "quit",
            Ending::Disconnected => "disconnected",
            Ending::ConnectionLost => "connection lost",
            Ending::Kicked => "kicked",
            Ending::Stop => "server shutdown",
            Ending::NoName => "no name",
        }
    }
}

/// Serves one connection from accept to close.
pub async fn serve(stream: TcpStream, peer: SocketAddr, ctx: Rc<Ctx>) {
    let Some(_slot) = ctx.limits.admit(peer.ip()) else {
        log::info!("{peer} refused: --max-per-ip");
        return Box::pin(refuse(stream, ctx.tls.is_none())).await;
    };
    let Some((read, write)) = transport::accept(stream, peer, ctx.tls.as_ref()).await else {
        return;
    };
    let _live = ctx.sessions.enter();
    let answering = ctx.stop.enter();
    let (outbox, writer) = Outbox::start(write, peer);
    let mut conn = Conn { reader: StreamReader::with_limit(read, LINE_LIMIT), outbox, owed: None };
    let session = ctx.chat.borrow_mut().new_session();
    log::info!("{peer} connected");
    let asked = reel::timeout(ctx.limits.login_timeout, ask_name(&mut conn, &ctx, session)).await;
    let (name, ending) = match asked {
        Ok(Ok(name)) => {
            log::info!("{peer} joined as {name}");
            let ending = talk(&mut conn, &ctx, &name).await;
            (Some(name), ending)
        }
        Ok(Err(ending)) => (None, ending),
        Err(_) => {
            conn.outbox.say(TIMED_OUT);
            (None, Ending::NoName)
        }
    };
    if ending == Ending::Stop {
        answering.wait_for_all().await;
    } else {
        drop(answering);
    }
    match &name {
        // At shutdown everyone is leaving: the goodbye is the last line each
        // client gets, not a string of "left the chat" notices before it.
        Some(name) => {
            ctx.chat.borrow_mut().leave(name, session, ending != Ending::Stop);
            log::info!("{peer} ({name}) left: {}", ending.as_str());
        }
        None => log::info!("{peer} left before choosing a name"),
    }
    match ending {
        Ending::Kicked => return, // dropping the writer task closes the socket at once
        Ending::Stop => conn.outbox.say(GOODBYE),
        _ => {}
    }
    let Conn { mut reader, outbox, .. } = conn;
    drop(outbox);
    writer.finish().await;
    // Boxed, as `owed_line` below: only its end needs it.
    Box::pin(stop::linger(&mut reader)).await;
}

/// What a client past `--max-per-ip` gets: the busy line (over plain TCP;
/// over TLS it would be garbage, so there the close alone), FIN, and what
/// it still sends read and dropped for a moment, all bounded in time.
async fn refuse(mut stream: TcpStream, plain: bool) {
    let say = async {
        if plain {
            stream.write_all(BUSY.as_bytes()).await?;
        }
        stream.shutdown(std::net::Shutdown::Write)?;
        stream.discard_until_eof(REFUSAL_LINGER).await
    };
    let _ = reel::timeout(2 * REFUSAL_LINGER, say).await;
}

/// How long a refused client's socket is drained before it closes.
const REFUSAL_LINGER: std::time::Duration = std::time::Duration::from_secs(1);

/// One connection's input and output.
struct Conn {
    reader: StreamReader<ReadSide>,
    outbox: Outbox,
    /// Once stopping: bytes of input received before the stop and not yet
    /// handled. `None` until the session sees the stop.
    owed: Option<usize>,
}

impl Conn {
    /// The next line, the server's stop, or this client's kick. Once the
    /// server is stopping: the next line received before the stop, then
    /// `Stop` for good.
    async fn next(&mut self, ctx: &Ctx) -> Next {
        let owed = match &mut self.owed {
            Some(owed) => owed,
            None => match self.wait(ctx).await {
                Next::Stop => self.owed.insert(stop::owed_at_stop(&self.reader)),
                other => return other,
            },
        };
        // Boxed: only a stopping session needs it, and in place its timer
        // and read would make every session's future bigger.
        match Box::pin(stop::owed_line(&mut self.reader, owed, &ctx.stop)).await {
            Some(line) => Next::Line(line),
            None => Next::Stop,
        }
    }

    /// Waits for a kick, the stop or a line, checked in that order: a
    /// client that sends without pause always has a line ready, and must
    /// still see the stop.
    async fn wait(&mut self, ctx: &Ctx) -> Next {
        let mut kicked = pin!(self.outbox.kicked().wait());
        let mut stop = pin!(ctx.stop.event().wait());
        let mut line = pin!(self.reader.read_line());
        poll_fn(|cx| {
            if kicked.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Next::Kicked);
            }
            if stop.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Next::Stop);
            }
            line.as_mut().poll(cx).map(Next::Line)
        })
        .await
    }
}

/// The name dialogue; the name once the client is in the lobby.
async fn ask_name(conn: &mut Conn, ctx: &Ctx, session: u64) -> Result<String, Ending> {
    conn.outbox.say("Welcome! Enter your name: ");
    for attempt in 1..=NAME_TRIES {
        let line = match conn.next(ctx).await {
            Next::Line(Ok(line)) if !line.is_empty() => line,
            Next::Stop => return Err(Ending::Stop),
            Next::Line(Err(e)) if LimitOverrun::is(&e) => Vec::new(),
            _ => return Err(Ending::NoName), // EOF, reset, kicked
        };
        let problem = match protocol::name_of(&line) {
            None => "Invalid name: 1-20 letters, digits or _.\n",
            Some(name) if ctx.chat.borrow().is_taken(&name) => "Name already taken.\n",
            Some(name) => {
                let history = ctx.chat.borrow_mut().join(&name, conn.outbox.clone(), session);
                conn.outbox.say(format!("Hello, {name}! Type /help for commands.\n"));
                send_history(&conn.outbox, &history);
                return Ok(name);
            }
        };
        conn.outbox.say(problem);
        if attempt < NAME_TRIES {
            conn.outbox.say("Enter your name: ");
        }
    }
    conn.outbox.say("Too many attempts. Goodbye!\n");
    Err(Ending::NoName)
}

/// Lines and commands until the client goes; returns why it went.
async fn talk(conn: &mut Conn, ctx: &Ctx, name: &str) -> Ending {
    let mut bucket = TokenBucket::new(ctx.rate);
    let mut lines = 0u32;
    loop {
        // A client that sends a burst fills our reader with thousands of
        // lines, and read_line then returns without ever waiting: the task
        // would broadcast them all in one poll, and the receivers' writer
        // tasks would get no turn to drain their queues, which then grow
        // although those clients read at full speed. Yielding every few
        // lines gives them that turn (asyncio's readline has the same trap).
        lines += 1;
        if lines % YIELD_EVERY == 0 {
            reel::yield_now().await;
        }
        let line = match conn.next(ctx).await {
            Next::Kicked => return Ending::Kicked,
            Next::Stop => return Ending::Stop,
            Next::Line(Err(e)) if LimitOverrun::is(&e) => {
                conn.outbox.say(format!("Message too long (max {} bytes).\n", ctx.max_message));
                continue;
            }
            Next::Line(Err(_)) => return Ending::ConnectionLost,
            Next::Line(Ok(line)) if line.is_empty() => return Ending::Disconnected,
            Next::Line(Ok(line)) => line,
        };
        let outbox = &conn.outbox;
        match protocol::input(&line) {
            Input::Blank => {}
            Input::BadUtf8 => outbox.say("Invalid UTF-8: message not sent.\n"),
            Input::Control => outbox.say("Control characters: message not sent.\n"),
            Input::Invisible => outbox.say("Invisible characters: message not sent.\n"),
            Input::Command(command) => {
                if let Flow::Quit = commands::run(command, name, outbox, ctx, &mut bucket) {
                    return Ending::Quit;
                }
            }
            Input::Message(text) => {
                if check_message(text, outbox, ctx, &mut bucket) {
                    let line: Rc<str> = Rc::from(format!("[{}] {name}: {text}\n", hh_mm()));
                    ctx.chat.borrow_mut().say(name, line);
                }
            }
        }
    }
}

/// The server's local time of day as `HH:MM` (the zone of `TZ`, else the
/// system's), as the course's server shows `datetime.now()`: asked of jiff
/// once a minute, not once a line (a zone changes its offset on a minute).
fn hh_mm() -> Rc<str> {
    thread_local! {
        static STAMP: RefCell<(u64, Rc<str>)> = RefCell::new((u64::MAX, Rc::from("")));
    }
    let minute = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 60);
    STAMP.with_borrow_mut(|(at, stamp)| {
        if *at != minute {
            *at = minute;
            *stamp = Rc::from(jiff::Zoned::now().strftime("%H:%M").to_string());
        }
        stamp.clone()
    })
}
