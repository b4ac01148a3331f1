//! The TLS tests' certificates, committed under `tests/certs/` (made once by
//! `tests/certs/make.sh`, valid for a century): a CA and a server
//! certificate it signs for `localhost` and `127.0.0.1`, as the PEM files
//! that `--tls-cert`, `--tls-key`, `--cacert` and `curl --cacert` take.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reel::tls::rustls;

/// Paths to `ca.pem`, `cert.pem` (the chain: server, then CA) and `key.pem`.
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certs {
    /// The server certificate and the CA that signed it.
    pub fn new() -> Certs {
        Certs { ca: file("ca.pem"), cert: file("cert.pem"), key: file("key.pem") }
    }

    /// The same server certificate, with `ca` an unrelated CA: a client
    /// that trusts it must refuse the server.
    pub fn other_ca() -> Certs {
        Certs { ca: file("other-ca.pem"), ..Certs::new() }
    }

    /// A client configuration that trusts this CA, offering `alpn`.
    pub fn client_config(&self, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
        reel::tls::client_config(&self.ca, alpn).expect("client config")
    }

    /// A server configuration with this certificate and key.
    pub fn server_config(&self, alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
        reel::tls::server_config(&self.cert, &self.key, alpn).expect("server config")
    }
}

/// A blocking TLS client over a std `TcpStream`, as a test's peer: rustls's
/// own `StreamOwned`, with the read and write timeouts of `set_timeouts`.
pub fn blocking_client(
    config: Arc<rustls::ClientConfig>,
    addr: std::net::SocketAddr,
) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
    let tcp = std::net::TcpStream::connect(addr).expect("connect");
    super::net::set_timeouts(&tcp);
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(config, name).expect("client");
    rustls::StreamOwned::new(conn, tcp)
}

/// Reads until the server closes (EOF, or an error such as a reset) and
/// returns what arrived; a read timeout (`set_timeouts`) fails the test.
pub fn read_until_closed(mut tcp: std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut got = Vec::new();
    let mut buf = [0; 1024];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                panic!("the server did not close within the deadline")
            }
            Err(_) => return got,
        }
    }
}

/// A file of `tests/certs/`.
fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/certs").join(name)
}
