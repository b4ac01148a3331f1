//! The chat example's line protocol, as the fuzz targets see it.

#[path = "../../examples/chat/protocol.rs"]
pub mod protocol;
