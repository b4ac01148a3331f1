//! The chunked transfer coding of a request body (RFC 9112 section 7.1),
//! decoded without I/O: bytes in, body bytes out, however the input is
//! split. The connection (`input`) reads; this only parses what it is given.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size   = 1*HEXDIG
//! chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! last-chunk   = 1*("0") [ chunk-ext ] CRLF
//! ```
//!
//! Strict where leniency lets two parsers disagree about where a body ends
//! (request smuggling): line ends are CRLF, never a bare LF; a size is hex
//! digits only (no sign, no `0x`, no leading whitespace), optionally
//! followed by whitespace only before a `;` extension; a size too large for
//! the body limit is refused before any of its data is read. Extensions and
//! trailer fields are read and dropped.

/// The longest chunk-size line (with extensions) a chunked body may have.
pub const LINE_LIMIT: usize = 1024;

/// Where the decoder is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk: this many data bytes still to come.
    Data(usize),
    /// After a chunk's data: its CRLF.
    DataEnd,
    /// After the last chunk: trailer lines until an empty one.
    Trailers,
    /// The whole body has been read.
    Done,
}

/// Decodes one chunked body, in as many calls as its bytes take to arrive.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    /// The most decoded bytes allowed (`--max-body`), else 413.
    max: usize,
    /// Trailer bytes so far, held to `trailer_limit` (else 431).
    trailers: usize,
    trailer_limit: usize,
}

impl Decoder {
    /// A decoder for a body of at most `max` decoded bytes, whose trailer
    /// section may take at most `trailer_limit` bytes.
    pub fn new(max: usize, trailer_limit: usize) -> Decoder {
        Decoder { state: State::Size, max, trailers: 0, trailer_limit }
    }

    /// True once the last chunk and the trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes what it can of `input`, appending the body's bytes to
    /// `body`; returns how many bytes of `input` it used. The rest (a line
    /// not complete yet) must be given again with more after it. Stops at
    /// the end of the body: what follows belongs to the next request.
    /// Errors are the status to answer: 400 (malformed), 413 (over `max`),
    /// 431 (trailers too long).
    pub fn decode(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<usize, u16> {
        let mut used = 0;
        loop {
            let rest = &input[used..];
            let step = match self.state {
                State::Done => return Ok(used),
                State::Data(left) => {
                    let now = left.min(rest.len());
                    body.extend_from_slice(&rest[..now]);
                    self.state = if now == left { State::DataEnd } else { State::Data(left - now) };
                    now
                }
                State::Size => match line(rest, LINE_LIMIT, 400)? {
                    Some((text, whole)) => {
                        let size = chunk_size(text).ok_or(400u16)?;
                        if size > self.max.saturating_sub(body.len()) {
                            return Err(413);
                        }
                        self.state = if size == 0 { State::Trailers } else { State::Data(size) };
                        whole
                    }
                    None => return Ok(used),
                },
                State::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        self.state = State::Size;
                        2
                    }
                    [] | [b'\r'] => return Ok(used),
                    _ => return Err(400),
                },
                State::Trailers => {
                    let room = self.trailer_limit.saturating_sub(self.trailers);
                    match line(rest, room, 431)? {
                        Some((text, whole)) => {
                            self.trailers += whole;
                            if text.is_empty() {
                                self.state = State::Done;
                            }
                            whole
                        }
                        None => return Ok(used),
                    }
                }
            };
            if step == 0 {
                return Ok(used);
            }
            used += step;
        }
    }
}

/// The CRLF-ended line at the start of `bytes`: its text without the CRLF
/// and its whole length, or `None` if it is not all there yet. A line
/// longer than `limit` is `too_long`, decided on its first `limit + 2`
/// bytes alone, so the answer is the same however the input was split;
/// then a bare LF is a 400.
fn line(bytes: &[u8], limit: usize, too_long: u16) -> Result<Option<(&[u8], usize)>, u16> {
    let seen = &bytes[..bytes.len().min(limit + 2)];
    match seen.iter().position(|&b| b == b'\n') {
        Some(at) if at == 0 || seen[at - 1] != b'\r' => Err(400),
        Some(at) => Ok(Some((&bytes[..at - 1], at + 1))),
        None if bytes.len() > limit + 1 => Err(too_long),
        None => Ok(None),
    }
}

/// The size a chunk-size line announces, if the line is well formed: hex
/// digits, then nothing, or optional whitespace and a `;` extension of
/// visible characters and tabs (which is dropped).
fn chunk_size(line: &[u8]) -> Option<usize> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let after = &line[digits..];
    let spaces = after.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let ext = &after[spaces..];
    let visible = |&b: &u8| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80;
    let well_formed = digits > 0
        && match ext.first() {
            None => spaces == 0,
            Some(b';') => ext.iter().all(visible),
            Some(_) => false,
        };
    if !well_formed {
        return None;
    }
    // Only hex digits: the text is ASCII, and a size too large for usize
    // (a run of digits) fails to parse.
    let text = std::str::from_utf8(&line[..digits]).ok()?;
    usize::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `step` bytes, as a connection would:
    /// what a call leaves unused is given again with the next piece.
    fn decode_in_steps(input: &[u8], step: usize) -> Result<(Vec<u8>, usize), u16> {
        let mut decoder = Decoder::new(1 << 20, 8192);
        let (mut body, mut pending, mut fed, mut consumed) = (Vec::new(), Vec::new(), 0, 0);
        while !decoder.is_done() {
            if fed == input.len() {
                return Err(0); // incomplete
            }
            let more = step.min(input.len() - fed);
            pending.extend_from_slice(&input[fed..fed + more]);
            fed += more;
            let used = decoder.decode(&pending, &mut body)?;
            pending.drain(..used);
            consumed += used;
        }
        Ok((body, consumed))
    }

    #[test]
    fn bodies_decode_the_same_however_they_are_split() {
        let input =
            b"5\r\nhello\r\n1;name=value\r\n \r\nA ; x\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..=input.len() {
            let (body, consumed) = decode_in_steps(input, step).expect("well formed");
            assert_eq!(body, b"hello 0123456789", "step {step}");
            assert_eq!(consumed, input.len() - 4, "stops before the next request, step {step}");
        }
    }

    #[test]
    fn malformed_sizes_and_line_ends_are_400() {
        for bad in [
            &b" 5\r\nhello\r\n0\r\n\r\n"[..],
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"5 \r\nhello\r\n0\r\n\r\n",
            b"\r\n",
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhello\n0\r\n\r\n",
            b"fffffffffffffffffffff\r\n",
            b"0\r\nX: y\n\r\n",
        ] {
            assert_eq!(decode_in_steps(bad, 64), Err(400), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn limits_are_413_and_431() {
        let mut decoder = Decoder::new(4, 16);
        assert_eq!(decoder.decode(b"5\r\n", &mut Vec::new()), Err(413));
        let mut decoder = Decoder::new(4, 16);
        let trailers = b"0\r\nX-Long-Trailer: 0123456789\r\n\r\n";
        assert_eq!(decoder.decode(trailers, &mut Vec::new()), Err(431));
        let long = format!("1;{}\r\n", "e".repeat(LINE_LIMIT));
        assert_eq!(Decoder::new(4, 16).decode(long.as_bytes(), &mut Vec::new()), Err(400));
    }
}
