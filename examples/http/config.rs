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
}
