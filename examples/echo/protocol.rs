//! The course's line protocol (`--protocol`): a greeting, then one reply per
//! line. Lines end with `\r\n` (a bare `\n` is accepted), replies too.

use std::future::poll_fn;
use std::io;
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use reel::net::TcpStream;
use reel::stream::{LimitOverrun, StreamReader, StreamWriter};

use crate::reply::{Reply, respond};
use crate::{Config, Ending, IdleTimer, LINGER, linger};

/// The longest line a client may send.
pub const MAX_LINE: usize = 1024;

/// Serves one client until QUIT, EOF, the idle timeout or shutdown.
pub async fn serve(stream: TcpStream, config: &Config) -> io::Result<Ending> {
    let (read, write) = stream.into_split();
    let mut reader = StreamReader::with_limit(read, MAX_LINE);
    let mut writer = StreamWriter::new(write);
    send(&mut writer, "Welcome to Echo Server!").await?;
    send(&mut writer, "Commands: TIME, QUIT, or any text for echo").await?;
    let mut idle = IdleTimer::new(config.idle_timeout);
    let mut stop = pin!(config.stop.wait());
    // Once the server stops: until when the lines already sent are still
    // answered before the goodbye.
    let mut stopping: Option<Instant> = None;
    loop {
        let event = match stopping {
            None => {
                let mut line = pin!(reader.read_line());
                // The line comes first: a reply that is owed goes out before
                // the shutdown goodbye.
                poll_fn(|cx| {
                    if let Poll::Ready(line) = line.as_mut().poll(cx) {
                        return Poll::Ready(Event::Line(line));
                    }
                    if stop.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Event::Stop);
                    }
                    idle.poll_expired(cx).map(|()| Event::Idle)
                })
                .await
            }
            // Stopping: a line is waited for only if its bytes have arrived
            // (the kernel is asked: the loop may not have heard of them).
            Some(deadline) => {
                let left = deadline.saturating_duration_since(reel::time::now());
                let waiting = reader.buffered() > 0 || reader.get_ref().input_waiting();
                if waiting {
                    reel::timeout(left, reader.read_line()).await.map_or(Event::Stop, Event::Line)
                } else {
                    Event::Stop
                }
            }
        };
        let line = match event {
            Event::Stop if stopping.is_none() => {
                stopping = Some(reel::time::now() + LINGER);
                continue;
            }
            Event::Stop => {
                return bye(writer, reader, "Server shutting down. Goodbye!", Ending::Shutdown)
                    .await;
            }
            Event::Idle => {
                return bye(writer, reader, "Connection timeout. Goodbye!", Ending::Idle).await;
            }
            Event::Line(Err(e)) if LimitOverrun::is(&e) => {
                send(&mut writer, &format!("Error: line too long (max {MAX_LINE} bytes)")).await?;
                continue;
            }
            Event::Line(line) => line?,
        };
        if line.is_empty() {
            return Ok(Ending::Eof);
        }
        idle.touch();
        let text = String::from_utf8_lossy(&line);
        match respond(text.trim_end_matches(['\r', '\n'])) {
            Reply::Line(reply) => send(&mut writer, &reply).await?,
            Reply::Time => send(&mut writer, &format!("Server time: {}", local_now())).await?,
            Reply::Quit => return bye(writer, reader, "Goodbye!", Ending::Quit).await,
            Reply::Boom => panic!("boom: the course's simulated handler failure"),
        }
    }
}

enum Event {
    Line(io::Result<Vec<u8>>),
    Stop,
    Idle,
}

/// Now, in the server's local time (the zone of `TZ`, else the system's),
/// as `2026-12-03T11:13:38.595+03:00`: the course's server answers with
/// `datetime.now().isoformat()`, which is local time too.
fn local_now() -> String {
    jiff::Zoned::now().strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

async fn send(writer: &mut StreamWriter, line: &str) -> io::Result<()> {
    writer.write(format!("{line}\r\n").as_bytes())?;
    writer.drain().await
}

/// The last line, FIN, then a lingering close (see `linger`): what the
/// client still sends is read and dropped, so the close is no reset.
async fn bye(
    mut writer: StreamWriter,
    reader: StreamReader,
    line: &str,
    ending: Ending,
) -> io::Result<Ending> {
    send(&mut writer, line).await?;
    writer.wait_closed().await?;
    let rest = reader.into_inner();
    linger(&ending, async move { rest.discard_until_eof(LINGER).await }).await?;
    Ok(ending)
}
