//! A request's headers, kept in one buffer.
//!
//! A `Vec<(String, String)>` costs two allocations per header, and a browser
//! sends a dozen headers: 25 allocations (and as many frees) per request
//! before any handler runs. Here every name and value sits end to end in one
//! `String`, and each header is a pair of spans into it: two allocations
//! for any number of headers, each sized once from what httparse found.

use std::fmt;

/// A request's headers in order, names as sent (asyncio's streams give you
/// the raw lines; aiohttp's `CIMultiDict` is the nearest counterpart).
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Headers {
    /// Every name and value, end to end: `HostexampleAccept*/*`.
    text: String,
    /// Per header: where its name starts, where its value starts (the name's
    /// end), where its value ends; offsets into `text`, in order.
    spans: Vec<(u32, u32, u32)>,
}

impl Headers {
    /// Room for `count` headers of `bytes` name and value bytes in all, so
    /// that filling them allocates exactly twice.
    pub fn with_capacity(count: usize, bytes: usize) -> Self {
        Headers { text: String::with_capacity(bytes), spans: Vec::with_capacity(count) }
    }

    /// Appends a header. Offsets are `u32`: a head is at most 8 KiB.
    pub fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(name);
        let middle = self.text.len() as u32;
        self.text.push_str(value);
        self.spans.push((start, middle, self.text.len() as u32));
    }

    /// Each header as `(name, value)`, in the order they came.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|&(start, middle, end)| {
            (&self.text[start as usize..middle as usize], &self.text[middle as usize..end as usize])
        })
    }

    /// The first header called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, value)| value)
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_come_back_in_order_and_are_found_whatever_their_case() {
        let mut headers = Headers::with_capacity(3, 30);
        headers.push("Host", "example");
        headers.push("Accept", "*/*");
        headers.push("host", "again");
        let all: Vec<_> = headers.iter().collect();
        assert_eq!(all, [("Host", "example"), ("Accept", "*/*"), ("host", "again")]);
        assert_eq!(headers.get("HOST"), Some("example"));
        assert_eq!(headers.get("accept"), Some("*/*"));
        assert_eq!(headers.get("Range"), None);
        assert_eq!(
            format!("{headers:?}"),
            r#"[("Host", "example"), ("Accept", "*/*"), ("host", "again")]"#
        );
    }

    #[test]
    fn an_empty_value_is_kept() {
        let mut headers = Headers::default();
        headers.push("X-Empty", "");
        headers.push("Y", "1");
        assert_eq!(headers.get("x-empty"), Some(""));
        assert_eq!(headers.get("y"), Some("1"));
    }
}
