//! `--udp`: the datagram echo. Each datagram goes back to its sender as it
//! came, from 0 bytes to the 65,507 an IPv4 datagram can carry (asyncio:
//! `datagram_received(data, addr)` calling `transport.sendto(data, addr)`).
//!
//! There are no connections, so none of the TCP mode's flags apply, and a
//! stop has nothing to finish: SIGINT or SIGTERM ends the loop at once.

use std::cell::Cell;
use std::future::Future;
use std::io::{self, Write};

use reel::net::UdpSocket;
use reel::signal::SignalKind;
use reel::sync::{Either, select};

/// Room for the largest datagram UDP can carry, so none is cut short.
const MAX_DATAGRAM: usize = 65_536;

/// Binds `host:port`, prints `listening on IP:PORT`, echoes until `stop`.
pub async fn serve(
    host: &str,
    port: u16,
    stop: impl Future<Output = SignalKind>,
) -> io::Result<()> {
    let socket = UdpSocket::bind((host, port))?;
    println!("listening on {}", socket.local_addr()?);
    io::stdout().flush()?;
    let echoed = Cell::new(0u64);
    match select(stop, echo(&socket, &echoed)).await {
        Either::Left(signal) => {
            log::info!("{signal}: stopping after {} datagrams", echoed.get());
            Ok(())
        }
        Either::Right(Err(e)) => Err(e),
    }
}

/// Receives and sends back, one datagram at a time. A datagram that cannot
/// go back (its sender's address unreachable) is logged and dropped: one
/// peer's trouble never stops the echo for the others.
async fn echo(socket: &UdpSocket, echoed: &Cell<u64>) -> io::Result<std::convert::Infallible> {
    let mut buf = vec![0; MAX_DATAGRAM];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            // Linux reports an earlier send's ICMP error on the next receive.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(e) => return Err(e),
        };
        log::debug!("{peer}: {n} bytes");
        match socket.send_to(&buf[..n], peer).await {
            Ok(_) => echoed.set(echoed.get() + 1),
            Err(e) => log::warn!("{peer}: could not echo {n} bytes: {e}"),
        }
    }
}
