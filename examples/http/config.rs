//! The settings every connection reads, from the command line.

use std::time::Duration;

/// The settings every connection reads.
#[derive(Debug, Clone)]
pub struct Config {
    pub max_body: u64,
    pub keepalive_timeout: Duration,
    pub header_timeout: Duration,
    /// The longest pause between two reads of a request body.
    pub body_timeout: Duration,
    /// The longest wait for a client to take any byte of a response.
    pub send_timeout: Duration,
    /// `--max-age`: files are fresh this many seconds (`Cache-Control`).
    pub max_age: Option<u64>,
    /// HTTPS: the certificate and key of `--tls-cert`/`--tls-key`.
    pub tls: Option<TlsConfig>,
}

/// A TLS server configuration (ALPN `http/1.1`).
#[cfg(feature = "tls")]
pub type TlsConfig = std::sync::Arc<reel::tls::rustls::ServerConfig>;

/// Built without the feature `tls`, there is no TLS configuration.
#[cfg(not(feature = "tls"))]
pub type TlsConfig = std::convert::Infallible;
