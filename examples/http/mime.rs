//! Content types by extension, as nginx's `mime.types` maps them (text
//! types get no charset, as in nginx).

use std::path::Path;

/// The content type for a path's extension, as nginx's mime.types has it.
pub fn mime_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let known = MIME_TYPES.iter().find(|(ext, _)| ext.eq_ignore_ascii_case(extension));
    known.map_or("application/octet-stream", |&(_, mime)| mime)
}

/// Extensions and their types; text types get no charset, as in nginx.
const MIME_TYPES: [(&str, &str); 16] = [
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("js", "application/javascript"),
    ("json", "application/json"),
    ("txt", "text/plain"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("ico", "image/x-icon"),
    ("swf", "application/x-shockwave-flash"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    ("xml", "text/xml"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        assert_eq!(mime_type(Path::new("/index.HTML")), "text/html");
        assert_eq!(mime_type(Path::new("/app.js")), "application/javascript");
        assert_eq!(mime_type(Path::new("/a.tar.gz")), "application/octet-stream");
        assert_eq!(mime_type(Path::new("/noext")), "application/octet-stream");
        assert_eq!(mime_type(Path::new("/f.svg")), "image/svg+xml");
    }
}
