//! The plain mode, for a keyboard that is not a terminal (a pipe, a file)
//! or a screen that is not one: lines in, chunks out, exactly as `nc` does.
//!
//! The Python it mirrors:
//!
//! ```python
//! stdin = asyncio.StreamReader()
//! await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
//! while True:
//!     done, _ = await asyncio.wait({reader.read(4096), stdin.readline()},
//!                                  return_when=asyncio.FIRST_COMPLETED)
//!     ...  # print the chunk, or send the line
//! ```

use std::io::{self, Write};
use std::process::ExitCode;

use reel::io::Stdin;
use reel::stream::{LimitOverrun, StreamReader};
use reel::sync::{Either, select};

use crate::output::print;
use crate::{
    CHUNK, Reader, Writer, closed_by_server, closed_or_failed, is_disconnect, print_goodbye,
};

/// Talks until someone leaves: the server's chunks are printed, stdin's
/// lines sent.
pub async fn chat(mut server: Reader, mut writer: Writer) -> io::Result<ExitCode> {
    // Only now take fd 0: a client that cannot connect leaves it untouched.
    let mut stdin = reel::stream::stdin()?;

    // Talking: the server's bytes and the user's lines, whichever comes first.
    loop {
        // A fresh pair of futures per turn; the loser is dropped, which is
        // safe for both: a StreamReader keeps what it has read in its buffer,
        // and an unfinished `read` or `read_line` has taken nothing out of it.
        let next_line = next_line(&mut stdin, &mut writer);
        match select(server.read(CHUNK), next_line).await {
            // Server first (select is biased to the left): its output is
            // never starved by a fast stdin, such as a file.
            Either::Left(Ok(chunk)) if chunk.is_empty() => return closed_by_server(None).await,
            Either::Left(Ok(chunk)) => print(&chunk).await?,
            Either::Left(Err(e)) if is_disconnect(&e) => return closed_by_server(Some(e)).await,
            Either::Left(Err(e)) => return Err(e),

            Either::Right(Ok(line)) if line.is_empty() => {
                // End of stdin: leave as politely as `/quit` does.
                if let Err(e) = writer.write(b"/quit\n") {
                    return closed_or_failed(e).await;
                }
                break;
            }
            Either::Right(Ok(mut line)) => {
                if !line.ends_with(b"\n") {
                    line.push(b'\n'); // the last line of a file or pipe
                }
                if let Err(e) = writer.write(&line) {
                    return closed_or_failed(e).await;
                }
                if line.trim_ascii().eq_ignore_ascii_case(b"/quit") {
                    break;
                }
            }
            Either::Right(Err(e)) if LimitOverrun::is(&e) => {
                // The reader has skipped the overlong line; go on with the next.
                let _ = writeln!(io::stderr(), "chat_client: line too long, not sent");
            }
            Either::Right(Err(e)) => return Err(e), // stdin failed
        }
    }

    // Leaving: `/quit` is sent; print the goodbye until the server closes.
    drop(stdin); // fd 0 goes back to blocking now, not at exit
    print_goodbye(&mut server).await
}

/// Waits until the writer has room (backpressure, while the other side of
/// the `select` keeps printing the server's output), then reads the next
/// line of stdin: empty at end of input.
async fn next_line(stdin: &mut StreamReader<Stdin>, writer: &mut Writer) -> io::Result<Vec<u8>> {
    // A drain fails only if the connection did; that is reported by the
    // next `write`, which returns the same error, so the errors of this
    // function are stdin's alone.
    let _ = writer.drain().await;
    stdin.read_line().await
}
