//! Certificates and keys from PEM files, and the configurations reel's
//! examples use: a server's (certificate chain, key, ALPN) and a client's
//! (trusting exactly the certificates of one PEM file, as `curl --cacert`).
//!
//! asyncio counterpart: `ssl.SSLContext.load_cert_chain(cert, key)`,
//! `set_alpn_protocols`, `load_verify_locations(cafile)`, and (feature
//! `native-roots`) `ssl.create_default_context()`'s system roots.
//!
//! Both use rustls's ring provider and its safe defaults (TLS 1.2 and 1.3).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::stream::invalid;

/// The certificates of a PEM file, in order (a chain starts with the leaf).
pub fn load_certs(path: impl AsRef<Path>) -> io::Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no CERTIFICATE block"));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: impl AsRef<Path>) -> io::Result<PrivateKeyDer<'static>> {
    let path = path.as_ref();
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error(path, e))
}

/// A server configuration: the chain in `cert`, the key in `key`, and the
/// ALPN protocols offered in order of preference (`&[b"http/1.1"]`).
pub fn server_config(
    cert: impl AsRef<Path>,
    key: impl AsRef<Path>,
    alpn: &[&[u8]],
) -> io::Result<Arc<rustls::ServerConfig>> {
    let (certs, key) = (load_certs(cert)?, load_key(key)?);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(invalid)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A client configuration that trusts the certificates in the PEM file
/// `ca` and no others (`curl --cacert`), offering the ALPN protocols given.
pub fn client_config(
    ca: impl AsRef<Path>,
    alpn: &[&[u8]],
) -> io::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_certs(ca)? {
        roots.add(cert).map_err(invalid)?;
    }
    client_config_with(roots, alpn)
}

/// A client configuration that trusts the system's certificate authorities
/// (the feature `native-roots`: read by rustls-native-certs from the
/// platform's store, or from the files `SSL_CERT_FILE` / `SSL_CERT_DIR` name,
/// as OpenSSL does), offering the ALPN protocols given (asyncio:
/// `ssl.create_default_context()`). An error if no certificate could be read.
#[cfg(feature = "native-roots")]
pub fn system_client_config(alpn: &[&[u8]]) -> io::Result<Arc<rustls::ClientConfig>> {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        log::debug!(target: "reel", "system trust roots: {e}");
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, _unparsable) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let e = "no trusted certificate authority found in the system's store";
        return Err(io::Error::new(io::ErrorKind::NotFound, e));
    }
    client_config_with(roots, alpn)
}

/// A client configuration trusting `roots`, offering `alpn`.
fn client_config_with(
    roots: rustls::RootCertStore,
    alpn: &[&[u8]],
) -> io::Result<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

fn pem_error(path: &Path, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{}: {e}", path.display()))
}
