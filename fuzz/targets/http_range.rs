//! `http_range`: a `Range` header against a file length.
//!
//! The first 8 bytes are the length (little-endian, reduced so that small
//! files come up often); the rest is the header. Properties: no panic; a
//! part lies within the file, first at or before last.

use super::http::ranges::{Range, parse_range};

pub fn run(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (len, header) = data.split_at(8);
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    let len = if len % 2 == 0 { len % 4096 } else { len };
    let header = String::from_utf8_lossy(header);
    match parse_range(&header, len) {
        Range::Part(first, last) => assert!(first <= last && last < len, "{first}-{last}/{len}"),
        Range::Whole | Range::Unsatisfiable => {}
    }
}
