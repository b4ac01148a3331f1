//! The echo example's line protocol, as the fuzz targets see it.

#[path = "../../examples/echo/reply.rs"]
pub mod reply;
