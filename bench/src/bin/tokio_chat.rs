//! The chat server of examples/chat written as a tokio user writes it, on
//! tokio's current_thread runtime: the peer reel's chat server is measured
//! against (`bench/run.sh chat`).
//!
//! ```text
//! cargo run --release -p reel-bench --bin tokio_chat -- --port 0 --rate 1000000
//! nc 127.0.0.1 PORT
//! ```
//!
//! It speaks examples/chat/PROTOCOL.md for everything the benchmark uses,
//! and only in the lobby: the name dialogue (prompt, validation, `Name
//! already taken.`, three tries), `Hello`, the history block, the joined
//! and left notices, chat lines `[HH:MM] NAME: text` (UTC) to everyone else,
//! the length and rate checks, and `/quit`. There are no rooms (`/join`),
//! no `/msg`, no `/list`: any other command gets `Unknown command`. SIGINT
//! and SIGTERM kill it (no goodbyes).
//!
//! Built like the reel one so the comparison is fair: a session task per
//! client reads lines (4 KiB limit); each client has a bounded outgoing
//! queue (`tokio::sync::mpsc`, 256 lines) drained by its own writer task
//! that writes every line already queued in one `write_all` (the reel server
//! batches the same way); a broadcast `try_send`s to every member
//! and never waits, and a member whose queue is full is disconnected. The
//! shared state is an `Arc<Mutex<_>>` (`tokio::spawn` wants `Send`; tokio's
//! docs recommend std's mutex for short, await-free critical sections).

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, error::TrySendError};

/// The longest line read whole; longer ones are refused without buffering.
const LINE_LIMIT: usize = 4096;
/// Lines a client may have queued before it counts as too slow.
const QUEUE_LINES: usize = 256;
/// Name tries before the server gives up on a client.
const NAME_TRIES: usize = 3;

/// A chat server (lobby only) on tokio current_thread.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8889)]
    port: u16,
    /// Chat lines the lobby keeps for newcomers.
    #[arg(long, value_name = "N", default_value_t = 50)]
    history: usize,
    /// Messages per second a client may send.
    #[arg(long, value_name = "N", default_value_t = 5)]
    rate: u32,
    /// The longest message, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 500)]
    max_message: usize,
}

/// What every session shares.
struct Shared {
    chat: Mutex<Chat>,
    max_message: usize,
    rate: u32,
}

/// Who is online, and the lobby's history.
struct Chat {
    users: HashMap<String, User>,
    /// The last `history_len` chat lines, oldest first.
    history: VecDeque<Arc<str>>,
    history_len: usize,
    /// The id of the next session, to tell a name's old owner from its new one.
    next_session: u64,
}

/// One joined client.
struct User {
    queue: mpsc::Sender<Arc<str>>,
    /// Told when the client is kicked: its session ends at once.
    kicked: Arc<Notify>,
    session: u64,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(serve(args))
}

async fn serve(args: Args) -> io::Result<()> {
    let shared = Arc::new(Shared {
        chat: Mutex::new(Chat {
            users: HashMap::new(),
            history: VecDeque::new(),
            history_len: args.history,
            next_session: 1,
        }),
        max_message: args.max_message.min(LINE_LIMIT - 2),
        rate: args.rate,
    });
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let (read, write) = stream.into_split();
            if let Err(e) = session(read, write, shared).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

fn valid_name(name: &str) -> bool {
    (1..=20).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Shared {
    fn chat(&self) -> MutexGuard<'_, Chat> {
        self.chat.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Queues `line` for one client without waiting; false if its queue is full
/// or its writer is gone.
fn say(queue: &mpsc::Sender<Arc<str>>, line: impl Into<Arc<str>>) -> bool {
    match queue.try_send(line.into()) {
        Ok(()) => true,
        Err(TrySendError::Full(_) | TrySendError::Closed(_)) => false,
    }
}

/// One connection from accept to close.
async fn session(
    read: OwnedReadHalf,
    write: OwnedWriteHalf,
    shared: Arc<Shared>,
) -> io::Result<()> {
    let mut reader = LineReader { inner: BufReader::new(read), line: Vec::new() };
    let (queue, lines) = mpsc::channel(QUEUE_LINES);
    let writer = tokio::spawn(write_out(lines, write));
    let kicked = Arc::new(Notify::new());
    let session = {
        let mut chat = shared.chat();
        chat.next_session += 1;
        chat.next_session
    };

    // The name dialogue.
    say(&queue, "Welcome! Enter your name: ");
    let mut name = None;
    for attempt in 1..=NAME_TRIES {
        let line = match reader.next_line().await? {
            Line::Text(line) if !line.is_empty() => line,
            Line::TooLong => Vec::new(),
            _ => break, // EOF
        };
        let candidate = String::from_utf8_lossy(&line).trim().to_string();
        let problem = if !valid_name(&candidate) {
            "Invalid name: 1-20 letters, digits or _.\n"
        } else {
            let mut chat = shared.chat();
            if chat.users.contains_key(&candidate) {
                "Name already taken.\n"
            } else {
                let user = User { queue: queue.clone(), kicked: kicked.clone(), session };
                chat.users.insert(candidate.clone(), user);
                chat.broadcast(
                    &format!("*** {candidate} joined the chat ***\n").into(),
                    &candidate,
                );
                say(&queue, format!("Hello, {candidate}! Type /help for commands.\n"));
                if !chat.history.is_empty() {
                    say(&queue, "=== Recent messages ===\n");
                    for line in &chat.history {
                        say(&queue, line.clone());
                    }
                    say(&queue, "=== End of history ===\n");
                }
                name = Some(candidate);
                break;
            }
        };
        say(&queue, problem);
        if attempt < NAME_TRIES {
            say(&queue, "Enter your name: ");
        } else {
            say(&queue, "Too many attempts. Goodbye!\n");
        }
    }
    let Some(name) = name else {
        drop(queue);
        let _ = writer.await;
        return Ok(());
    };

    // Lines and commands until the client goes.
    let mut bucket = TokenBucket::new(shared.rate);
    let ending = loop {
        let line = tokio::select! {
            () = kicked.notified() => break Ending::Kicked,
            line = reader.next_line() => line,
        };
        let line = match line {
            Ok(Line::Text(line)) => line,
            Ok(Line::TooLong) => {
                say(&queue, format!("Message too long (max {} bytes).\n", shared.max_message));
                continue;
            }
            Ok(Line::Eof) | Err(_) => break Ending::Left,
        };
        let Ok(text) = std::str::from_utf8(&line) else {
            say(&queue, "Invalid UTF-8: message not sent.\n");
            continue;
        };
        let text = text.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() {
            continue;
        }
        if text.starts_with('/') {
            let word = text.split_whitespace().next().unwrap_or(text);
            if word.eq_ignore_ascii_case("/quit") {
                say(&queue, "Goodbye!\n");
                break Ending::Left;
            }
            say(&queue, format!("Unknown command: {word}. Type /help for help.\n"));
            continue;
        }
        if text.len() > shared.max_message {
            say(&queue, format!("Message too long (max {} bytes).\n", shared.max_message));
        } else if !bucket.take() {
            say(&queue, "Slow down.\n");
        } else {
            let line: Arc<str> = format!("[{}] {name}: {text}\n", hh_mm()).into();
            shared.chat().say(&name, line);
        }
    };
    shared.chat().leave(&name, session);
    match ending {
        Ending::Kicked => writer.abort(), // close the socket at once
        Ending::Left => {
            drop(queue);
            let _ = writer.await;
        }
    }
    Ok(())
}

enum Ending {
    Left,
    Kicked,
}

/// The writer task of one client: every line already queued (up to 16 KiB)
/// in one `write_all`, as the reel server does; once every sender is gone, FIN.
async fn write_out(mut lines: mpsc::Receiver<Arc<str>>, mut write: OwnedWriteHalf) {
    let mut batch = Vec::new();
    while let Some(line) = lines.recv().await {
        batch.extend_from_slice(line.as_bytes());
        while batch.len() < 16 * 1024 {
            let Ok(more) = lines.try_recv() else { break };
            batch.extend_from_slice(more.as_bytes());
        }
        if write.write_all(&batch).await.is_err() {
            return;
        }
        batch.clear();
    }
    let _ = write.shutdown().await;
}

/// What reading one line gave.
enum Line {
    /// A line, without its `\n`.
    Text(Vec<u8>),
    /// A line longer than `LINE_LIMIT`, skipped.
    TooLong,
    Eof,
}

/// Lines of at most `LINE_LIMIT` bytes (a tokio user might reach for
/// tokio-util's `LinesCodec::new_with_max_length`; this is the same loop).
struct LineReader {
    inner: BufReader<OwnedReadHalf>,
    /// The line so far; kept across calls, so `next_line` is cancel-safe.
    line: Vec<u8>,
}

impl LineReader {
    async fn next_line(&mut self) -> io::Result<Line> {
        let mut too_long = false;
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                return Ok(if self.line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(std::mem::take(&mut self.line))
                });
            }
            let (take, end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            if too_long || self.line.len() + take > LINE_LIMIT {
                too_long = true;
                self.line.clear();
            } else {
                self.line.extend_from_slice(&buf[..take]);
            }
            self.inner.consume(take);
            if end {
                if too_long {
                    return Ok(Line::TooLong);
                }
                self.line.pop();
                return Ok(Line::Text(std::mem::take(&mut self.line)));
            }
        }
    }
}

impl Chat {
    /// Says `line` to everyone but `from` and keeps it in the history.
    fn say(&mut self, from: &str, line: Arc<str>) {
        self.history.push_back(line.clone());
        while self.history.len() > self.history_len {
            self.history.pop_front();
        }
        self.broadcast(&line, from);
    }

    /// Removes `name` if `session` still owns it, telling the others once.
    fn leave(&mut self, name: &str, session: u64) {
        if self.users.get(name).is_some_and(|u| u.session == session) {
            self.users.remove(name);
            self.broadcast(&format!("*** {name} left the chat ***\n").into(), name);
        }
    }

    /// Queues `line` for everyone but `except`; never waits. Members whose
    /// queue is full are kicked afterwards.
    fn broadcast(&mut self, line: &Arc<str>, except: &str) {
        let too_slow: Vec<String> = self
            .users
            .iter()
            .filter(|(name, user)| name.as_str() != except && !say(&user.queue, line.clone()))
            .map(|(name, _)| name.clone())
            .collect();
        self.kick_all(too_slow);
    }

    /// Disconnects clients that cannot keep up; their leave notices may
    /// overflow other slow clients, so this works through a list.
    fn kick_all(&mut self, mut names: Vec<String>) {
        while let Some(name) = names.pop() {
            let Some(user) = self.users.remove(&name) else { continue };
            eprintln!("{name} disconnected: outgoing queue full (a client that does not read)");
            user.kicked.notify_one();
            let line: Arc<str> = format!("*** {name} left the chat ***\n").into();
            for (member, user) in &self.users {
                if !say(&user.queue, line.clone()) {
                    names.push(member.clone());
                }
            }
        }
    }
}

/// The time of day in UTC as `HH:MM`.
fn hh_mm() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60)
}

/// `rate` messages per second, in bursts of up to `rate`.
struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        TokenBucket { rate, tokens: rate, last: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
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
