//! asyncio-style streams: `StreamReader`, `StreamWriter`, `open_connection`.
