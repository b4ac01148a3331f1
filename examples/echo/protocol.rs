//! The seeds' line protocol (`--protocol`): a greeting, then one reply per
//! line. Lines end with `\r\n` (a bare `\n` is accepted), replies too.

use std::future::poll_fn;
use std::io;
use std::pin::pin;
use std::task::Poll;

use reel::net::TcpStream;
use reel::stream::{LimitOverrun, StreamReader, StreamWriter};

use crate::clock::iso8601_now;
use crate::{Config, Ending, IdleTimer};

/// The longest line a client may send.
pub const MAX_LINE: usize = 1024;

/// What a line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Answer with this line and go on.
    Line(String),
    /// Say `Goodbye!` and close.
    Quit,
    /// The seeds' failing handler: `boom` makes it fail.
    Boom,
}

/// The reply to one line (without its line ending), as the seeds define it.
pub fn respond(text: &str) -> Reply {
    match text.trim().to_ascii_uppercase().as_str() {
        "QUIT" => Reply::Quit,
        "TIME" => Reply::Line(format!("Server time: {}", iso8601_now())),
        "HELP" => Reply::Line("Commands: TIME, QUIT, HELP, or any text for echo".into()),
        "BOOM" => Reply::Boom,
        _ => Reply::Line(format!("Echo: {text}")),
    }
}

/// Serves one client until QUIT, EOF, the idle timeout or shutdown.
pub async fn serve(stream: TcpStream, config: &Config) -> io::Result<Ending> {
    let (read, write) = stream.into_split();
    let mut reader = StreamReader::with_limit(read, MAX_LINE);
    let mut writer = StreamWriter::new(write);
    send(&mut writer, "Welcome to Echo Server!").await?;
    send(&mut writer, "Commands: TIME, QUIT, or any text for echo").await?;
    let mut idle = IdleTimer::new(config.idle_timeout);
    let mut stop = pin!(config.stop.wait());
    loop {
        let event = {
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
        };
        let line = match event {
            Event::Stop => {
                return bye(writer, "Server shutting down. Goodbye!", Ending::Shutdown).await;
            }
            Event::Idle => return bye(writer, "Connection timeout. Goodbye!", Ending::Idle).await,
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
            Reply::Quit => return bye(writer, "Goodbye!", Ending::Quit).await,
            Reply::Boom => panic!("boom: the seeds' simulated handler failure"),
        }
    }
}

enum Event {
    Line(io::Result<Vec<u8>>),
    Stop,
    Idle,
}

async fn send(writer: &mut StreamWriter, line: &str) -> io::Result<()> {
    writer.write(format!("{line}\r\n").as_bytes())?;
    writer.drain().await
}

async fn bye(mut writer: StreamWriter, line: &str, ending: Ending) -> io::Result<Ending> {
    send(&mut writer, line).await?;
    writer.wait_closed().await?;
    Ok(ending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_answer_as_the_seeds_say() {
        assert_eq!(respond("quit"), Reply::Quit);
        assert_eq!(respond("boom"), Reply::Boom);
        assert_eq!(respond("hello there"), Reply::Line("Echo: hello there".into()));
        let Reply::Line(help) = respond("HELP") else { panic!("HELP answers") };
        assert!(help.starts_with("Commands: TIME, QUIT"));
        let Reply::Line(time) = respond("time") else { panic!("TIME answers") };
        assert!(time.starts_with("Server time: 20") && time.ends_with('Z'), "{time}");
    }
}
