//! `http_chunked`: a chunked request body, fed to the decoder in arbitrary
//! splits, as reads from a socket would cut it.
//!
//! The first byte picks the split sizes (1 to 32 bytes, cycling through the
//! next bytes' values); the rest is the body. Properties: no panic; the
//! outcome (the body, the bytes used, or the error status) is the same
//! whole or split; the body never exceeds its limit; a finished decode
//! never uses more than it was given.

use super::http::chunked::Decoder;

const MAX: usize = 4096;
const TRAILERS: usize = 1024;

/// What decoding `input`, given in pieces of `sizes`, came to.
fn decode(input: &[u8], sizes: &[usize]) -> Result<(Vec<u8>, usize), u16> {
    let mut decoder = Decoder::new(MAX, TRAILERS);
    let (mut body, mut pending, mut fed, mut used) = (Vec::new(), Vec::new(), 0, 0);
    for &size in sizes.iter().cycle() {
        if decoder.is_done() {
            return Ok((body, used));
        }
        if fed == input.len() {
            return Err(0); // incomplete: the connection would wait for more
        }
        let more = size.min(input.len() - fed);
        pending.extend_from_slice(&input[fed..fed + more]);
        fed += more;
        let n = decoder.decode(&pending, &mut body)?;
        assert!(n <= pending.len() && body.len() <= MAX);
        pending.drain(..n);
        used += n;
    }
    unreachable!("the cycle ends by returning")
}

pub fn run(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let sizes: Vec<usize> =
        input.iter().take(usize::from(seed % 8) + 1).map(|&b| usize::from(b % 32) + 1).collect();
    let sizes = if sizes.is_empty() { vec![1] } else { sizes };
    let whole = decode(input, &[input.len().max(1)]);
    let split = decode(input, &sizes);
    assert_eq!(whole, split, "split {sizes:?}");
    let byte_by_byte = decode(input, &[1]);
    assert_eq!(whole, byte_by_byte);
}
