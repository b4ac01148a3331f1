//! HTTPS for the app (`--tls-cert`, `--tls-key`; the `tls` feature): a
//! rustls server configuration offering HTTP/2 by ALPN when built with
//! `hyper-h2`, else HTTP/1.1 alone.

use std::io;
use std::path::Path;

use crate::serve::Acceptor;

/// The protocols offered, in order of preference.
const ALPN: &[&[u8]] =
    if cfg!(feature = "hyper-h2") { &[b"h2", b"http/1.1"] } else { &[b"http/1.1"] };

/// The server configuration from a PEM chain and key.
pub fn acceptor(cert: &Path, key: &Path) -> io::Result<Acceptor> {
    reel::tls::server_config(cert, key, ALPN)
}
