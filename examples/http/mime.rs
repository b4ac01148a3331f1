//! Content types by extension, from `mime_guess`'s table (the one
//! tower-http, actix-files and warp serve from, built from the IANA and
//! Apache lists): `.js` and `.mjs` are JavaScript, `.woff2` is
//! `font/woff2`, `.wasm` is `application/wasm`. Text types get no charset,
//! as in nginx; an unknown extension is `application/octet-stream`.

use std::path::Path;

/// The content type for a path's extension (case does not matter).
pub fn mime_type(path: &Path) -> &'static str {
    mime_guess::from_path(path).first_raw().unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        let cases = [
            ("/index.HTML", "text/html"),
            ("/app.js", "text/javascript"),
            ("/app.mjs", "application/javascript"),
            ("/f.woff2", "font/woff2"),
            ("/f.woff", "application/font-woff"),
            ("/m.wasm", "application/wasm"),
            ("/p.webp", "image/webp"),
            ("/v.mp4", "video/mp4"),
            ("/site.webmanifest", "application/manifest+json"),
            ("/data.csv", "text/csv"),
            ("/f.svg", "image/svg+xml"),
            ("/a.tar.gz", "application/gzip"),
            ("/noext", "application/octet-stream"),
            ("/x.unknownext", "application/octet-stream"),
        ];
        for (path, want) in cases {
            assert_eq!(mime_type(Path::new(path)), want, "{path}");
        }
    }
}
