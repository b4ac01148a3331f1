//! The http example's parsers, as the fuzz targets see them.

#[path = "../../examples/http/chunked.rs"]
pub mod chunked;
#[path = "../../examples/http/headers.rs"]
pub mod headers;
#[path = "../../examples/http/parse.rs"]
pub mod parse;
#[path = "../../examples/http/ranges.rs"]
pub mod ranges;
#[path = "../../examples/http/target.rs"]
pub mod target;
