//! The address a load tool connects to: the first one `--host` and
//! `--port` resolve to, or a line on stderr that names the tool and the host.

use std::net::{SocketAddr, ToSocketAddrs};

/// The first address of `host:port`; `None` after saying why not.
pub fn first_addr(tool: &str, host: &str, port: u16) -> Option<SocketAddr> {
    match (host, port).to_socket_addrs().map(|mut addrs| addrs.next()) {
        Ok(Some(addr)) => Some(addr),
        Ok(None) => {
            eprintln!("{tool}: {host}: no address");
            None
        }
        Err(e) => {
            eprintln!("{tool}: {host}: {e}");
            None
        }
    }
}
