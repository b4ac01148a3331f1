//! `http_target`: a request target, split, percent-decoded and made a path
//! relative to the root, as the server resolves it before any system call.
//!
//! Properties: no panic; a resolved path is relative, has no `..`, root or
//! prefix component and no NUL, so the root joined with it stays under the
//! root; escaping the decoded path again and decoding it gives it back.

use std::path::{Component, Path};

use super::http::target::{percent_decode, percent_encode, relative_path, split_target};

pub fn run(data: &[u8]) {
    // httparse lets through only visible ASCII and bytes past 0x7F.
    if data.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return;
    }
    let Ok(target) = std::str::from_utf8(data) else { return };
    let Ok((path, _query)) = split_target(target) else { return };
    assert_eq!(percent_decode(&percent_encode(&path)).as_deref(), Ok(path.as_str()));
    let Ok(relative) = relative_path(&path) else { return };
    assert!(!relative.as_os_str().as_encoded_bytes().contains(&0));
    for component in relative.components() {
        assert!(matches!(component, Component::Normal(_)), "{relative:?} from {target:?}");
    }
    let root = Path::new("/srv/root");
    assert!(root.join(&relative).starts_with(root), "{relative:?} leaves the root");
}
