//! Certificates made in the test: a CA of its own and a server certificate
//! it signs for `localhost` and `127.0.0.1`, written as PEM files that
//! `--tls-cert`, `--tls-key`, `--cacert` and `curl --cacert` take.

use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use reel::tls::rustls;

/// A directory with `ca.pem`, `cert.pem` (the chain: server, then CA) and
/// `key.pem`; removed on drop.
pub struct Certs {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certs {
    /// Fresh certificates under the temp dir, named after `test`.
    pub fn new(test: &str) -> Certs {
        let dir = std::env::temp_dir().join(format!("reel-tls-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the certificates' directory");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "reel test CA");
        let ca = ca_params.self_signed(&ca_key).expect("sign the CA");
        let key = KeyPair::generate().expect("server key");
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let params = CertificateParams::new(names).expect("server params");
        let cert = params.signed_by(&key, &ca, &ca_key).expect("sign the server's");
        let certs = Certs {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            dir,
        };
        std::fs::write(&certs.ca, ca.pem()).expect("write ca.pem");
        std::fs::write(&certs.cert, cert.pem() + &ca.pem()).expect("write cert.pem");
        std::fs::write(&certs.key, key.serialize_pem()).expect("write key.pem");
        certs
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

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
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
