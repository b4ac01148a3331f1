//! One client's session: its name, then its lines and commands, until it
//! quits, disconnects, is kicked, or the server stops.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use reel::net::TcpStream;
use reel::stream::{LimitOverrun, StreamReader};
use reel::sync::Event;

use crate::chat::Chat;
use crate::commands::{self, Flow};
use crate::memory::Sessions;
use crate::outbox::Outbox;
use crate::protocol::{self, Input};

/// The longest line read whole; longer ones are refused without buffering.
pub const LINE_LIMIT: usize = 4096;
/// Lines a session handles before it lets the other tasks run.
const YIELD_EVERY: u32 = 16;
/// Name tries before the server gives up on a client.
const NAME_TRIES: usize = 3;

/// What every session shares.
pub struct Ctx {
    pub chat: RefCell<Chat>,
    /// Set on SIGINT/SIGTERM: every session says goodbye and ends.
    pub stop: Event,
    pub max_message: usize,
    pub rate: u32,
    /// Every session from accept to close, for `memory`.
    sessions: Sessions,
}

impl Ctx {
    pub fn new(chat: Chat, max_message: usize, rate: u32) -> Ctx {
        let (chat, stop, sessions) = (RefCell::new(chat), Event::new(), Sessions::default());
        Ctx { chat, stop, max_message, rate, sessions }
    }
}

/// What the next wait brought.
enum Next {
    Line(io::Result<Vec<u8>>),
    Stop,
    Kicked,
}

/// Serves one connection from accept to close.
pub async fn serve(stream: TcpStream, peer: SocketAddr, ctx: Rc<Ctx>) {
    let _live = ctx.sessions.enter();
    let (read, write) = stream.into_split();
    let mut reader = StreamReader::with_limit(read, LINE_LIMIT);
    let (outbox, writer) = Outbox::start(write);
    let session = ctx.chat.borrow_mut().new_session();
    log::info!("{peer} connected");
    let name = match ask_name(&mut reader, &outbox, &ctx, session).await {
        Some(name) => name,
        None => {
            drop(outbox);
            writer.finish().await;
            return log::info!("{peer} left before choosing a name");
        }
    };
    log::info!("{peer} joined as {name}");
    let ending = talk(&mut reader, &outbox, &ctx, &name).await;
    // At shutdown everyone is leaving: the goodbye is the last line each
    // client gets, not a string of "left the chat" notices before it.
    let announce = ending != "server shutdown";
    ctx.chat.borrow_mut().leave(&name, session, announce);
    log::info!("{peer} ({name}) left: {ending}");
    if ending == "kicked" {
        return; // dropping the writer task closes the socket at once
    }
    drop(outbox);
    writer.finish().await;
}

/// Waits for the next line, the server's stop, or this client's kick.
async fn next(reader: &mut StreamReader, ctx: &Ctx, outbox: &Outbox) -> Next {
    let mut line = pin!(reader.read_line());
    let mut stop = pin!(ctx.stop.wait());
    let mut kicked = pin!(outbox.kicked().wait());
    poll_fn(|cx| {
        if kicked.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Next::Kicked);
        }
        if let Poll::Ready(line) = line.as_mut().poll(cx) {
            return Poll::Ready(Next::Line(line));
        }
        stop.as_mut().poll(cx).map(|()| Next::Stop)
    })
    .await
}

/// The name dialogue; `Some(name)` once the client is in the lobby.
async fn ask_name(
    reader: &mut StreamReader,
    outbox: &Outbox,
    ctx: &Ctx,
    session: u64,
) -> Option<String> {
    outbox.say("Welcome! Enter your name: ");
    for attempt in 1..=NAME_TRIES {
        let line = match next(reader, ctx, outbox).await {
            Next::Line(Ok(line)) if !line.is_empty() => line,
            Next::Stop => {
                outbox.say("Server shutting down. Goodbye!\n");
                return None;
            }
            Next::Line(Err(e)) if LimitOverrun::is(&e) => Vec::new(),
            _ => return None, // EOF, reset, kicked
        };
        let problem = match protocol::name_of(&line) {
            None => "Invalid name: 1-20 letters, digits or _.\n",
            Some(name) if ctx.chat.borrow().is_taken(&name) => "Name already taken.\n",
            Some(name) => {
                let history = ctx.chat.borrow_mut().join(&name, outbox.clone(), session);
                outbox.say(format!("Hello, {name}! Type /help for commands.\n"));
                send_history(outbox, &history);
                return Some(name);
            }
        };
        outbox.say(problem);
        if attempt < NAME_TRIES {
            outbox.say("Enter your name: ");
        }
    }
    outbox.say("Too many attempts. Goodbye!\n");
    None
}

/// The history block, omitted when the room has none.
pub fn send_history(outbox: &Outbox, history: &[Rc<str>]) {
    if history.is_empty() {
        return;
    }
    outbox.say("=== Recent messages ===\n");
    for line in history {
        outbox.say(line.clone());
    }
    outbox.say("=== End of history ===\n");
}

/// Lines and commands until the client goes; returns why it went.
async fn talk(reader: &mut StreamReader, outbox: &Outbox, ctx: &Ctx, name: &str) -> &'static str {
    let mut bucket = TokenBucket::new(ctx.rate);
    let mut lines = 0u32;
    loop {
        // A client that sends a burst fills our reader with thousands of
        // lines, and read_line then returns without ever waiting: the task
        // would broadcast them all in one poll, and the receivers' writer
        // tasks would get no turn to drain their queues, which then overflow
        // although those clients read at full speed. Yielding every few
        // lines gives them that turn (asyncio's readline has the same trap).
        lines += 1;
        if lines % YIELD_EVERY == 0 {
            reel::yield_now().await;
        }
        let line = match next(reader, ctx, outbox).await {
            Next::Kicked => return "kicked",
            Next::Stop => {
                outbox.say("Server shutting down. Goodbye!\n");
                return "server shutdown";
            }
            Next::Line(Err(e)) if LimitOverrun::is(&e) => {
                outbox.say(format!("Message too long (max {} bytes).\n", ctx.max_message));
                continue;
            }
            Next::Line(Err(_)) => return "connection lost",
            Next::Line(Ok(line)) if line.is_empty() => return "disconnected",
            Next::Line(Ok(line)) => line,
        };
        match protocol::input(&line) {
            Input::Blank => {}
            Input::BadUtf8 => {
                outbox.say("Invalid UTF-8: message not sent.\n");
            }
            Input::Command(command) => {
                if let Flow::Quit = commands::run(command, name, outbox, ctx, &mut bucket) {
                    return "quit";
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

/// The length and rate checks every message (and private message) passes;
/// false, with the reason sent, if it may not go out.
pub fn check_message(text: &str, outbox: &Outbox, ctx: &Ctx, bucket: &mut TokenBucket) -> bool {
    if text.len() > ctx.max_message {
        outbox.say(format!("Message too long (max {} bytes).\n", ctx.max_message));
        return false;
    }
    if !bucket.take() {
        outbox.say("Slow down.\n");
        return false;
    }
    true
}

/// The time of day in UTC as `HH:MM`.
fn hh_mm() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60)
}

/// `rate` messages per second, in bursts of up to `rate`.
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        TokenBucket { rate, tokens: rate, last: reel::time::now() }
    }

    /// Takes one token if there is one.
    fn take(&mut self) -> bool {
        let now = reel::time::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
