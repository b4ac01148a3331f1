//! DESIGN.md promises that every function and file it names exists; so does
//! README's reading order. This test holds them to it: every path they name
//! (`src/net/send.rs`, `tests/*_shutdown.rs`, `stream/accept.rs`) matches a
//! file; every `Type::function` whose type is this repository's has that
//! function in an `impl` of it, as does every `module::function` whose
//! module is one of `src/`'s files; and every function named alone
//! (`run_once`, `poll_io()`) is defined somewhere, or is on the short list
//! of other projects' functions (libc's, asyncio's) they name. The gdb walkthrough's breakpoints are
//! checked by running them (tests/runtime/gdb_walkthrough.rs).

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, relative to the root, skipping build output.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" || name == "corpus" || name == "artifacts" {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else if let Ok(relative) = path.strip_prefix(root()) {
            out.push(relative.to_path_buf());
        }
    }
}

/// Whether `pattern` (`*` matches within one path segment) matches `path`.
fn matches(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == s.len() && p.iter().zip(&s).all(|(p, s)| glob(p.as_bytes(), s.as_bytes()))
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

/// The path-like words of `text`: with a slash and a known top folder, or
/// ending in `.rs` or `.md`.
fn paths(text: &str) -> Vec<String> {
    let word = |c: char| c.is_alphanumeric() || "_./*-".contains(c);
    let mut found = Vec::new();
    for raw in text.split(|c: char| !word(c)) {
        let w = raw.trim_end_matches(['.', '/']).trim_start_matches("./");
        let tops = ["src/", "tests/", "examples/", "bench/", "fuzz/", "doc/", ".ci/"];
        let file = w.ends_with(".rs") || w.ends_with(".md");
        if (tops.iter().any(|t| w.starts_with(t)) || file) && !w.contains("..") && w.len() > 3 {
            found.push(w.to_owned());
        }
    }
    found
}

/// Whether some file is `name`, at the root or under any folder (DESIGN
/// names `net/send.rs` and `split.rs` where the section says which folder).
fn path_exists(name: &str, all: &[PathBuf]) -> bool {
    all.iter().any(|file| {
        let file = file.to_string_lossy();
        let parts: Vec<&str> = file.split('/').collect();
        let keep = name.split('/').count().min(parts.len());
        let tail = parts[parts.len() - keep..].join("/");
        matches(name, &file) || matches(name, &tail)
    }) || root().join(name).is_dir()
        || root().join("src").join(name).is_dir()
}

/// The `A::b` pairs in the code spans of `text` (the last two segments).
fn paired_names(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let span = span.split(['(', '<', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = span.split("::").collect();
        if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
            continue;
        }
        let (a, b) = (parts[parts.len() - 2], parts[parts.len() - 1]);
        let ident = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if ident(a) && ident(b) && b.starts_with(|c: char| c.is_lowercase()) {
            found.push((a.to_owned(), b.to_owned()));
        }
    }
    found
}

/// Types of other crates that DESIGN.md and README name with a function
/// (none today: every `Type::function` they name is reel's).
const EXTERNAL: &[&str] = &[];

/// Functions of others that DESIGN.md and README name alone: libc's,
/// asyncio's, std's, rustls's, hyper's, Linux's (in kernel profiles), and
/// crates'.
const EXTERNAL_FNS: &[&str] = &[
    "__errno",
    "__errno_location",
    "__error",
    "epoll_ctl",
    "epoll_wait",
    "malloc_trim",
    "_write_ready",
    "_scheduled",
    "add_reader",
    "remove_reader",
    "all_tasks",
    "call_soon",
    "call_soon_threadsafe",
    "cleanup_socket",
    "sock_sendfile",
    "ssl_handshake_timeout",
    "catch_unwind",
    "resume_unwind",
    "will_wake",
    "clone_waker",
    "close_notify",
    "process_new_packets",
    "read_tls",
    "write_tls",
    "env_logger",
    "mime_guess",
    "service_fn",
    "serve_connection",
    "graceful_shutdown",
    "header_read_timeout",
    "tcp_sendmsg",
    "net_rx_action",
    "sock_def_readable",
    "_raw_spin_unlock_irqrestore",
];

/// The function-like names in the code spans of `text`: `name()`, or a
/// lone snake_case word with an underscore.
fn lone_names(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let (word, call) = match span.strip_suffix("()") {
            Some(word) => (word, true),
            None => (span, false),
        };
        let snake = word.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if snake && (call || word.contains('_')) {
            found.push(word.to_owned());
        }
    }
    found
}

/// Whether `name` is a function, a field, a module, an example or a fuzz
/// target of this repository, or someone else's function DESIGN names.
fn lone_name_exists(name: &str, sources: &[(PathBuf, String)], all: &[PathBuf]) -> bool {
    EXTERNAL_FNS.contains(&name)
        || sources.iter().any(|(_, s)| defines_fn(s, name) || s.contains(&format!("{name}: ")))
        || all.iter().any(|p| p.file_stem().is_some_and(|stem| stem == name))
        || all.iter().any(|p| p.components().any(|c| c.as_os_str() == name))
}

fn defines_fn(source: &str, name: &str) -> bool {
    source.contains(&format!("fn {name}(")) || source.contains(&format!("fn {name}<"))
}

/// Checks `A::b`: if `A` is a type of this repository, `b` is a function in
/// a file that has an `impl` of it; if `A` is one of `src/`'s modules, `b`
/// is a function (or module) there. Names from elsewhere pass.
fn check_pair(a: &str, b: &str, sources: &[(PathBuf, String)]) -> Result<(), String> {
    if a.starts_with(|c: char| c.is_uppercase()) {
        let defined = ["struct", "enum", "trait", "type"]
            .iter()
            .any(|kind| sources.iter().any(|(_, s)| s.contains(&format!("{kind} {a}"))));
        if !defined {
            return if EXTERNAL.contains(&a) {
                Ok(())
            } else {
                Err(format!("`{a}`: no such type"))
            };
        }
        let has = sources.iter().any(|(_, s)| {
            let imp = s.contains(&format!(" {a} {{"))
                || s.contains(&format!(" {a}<"))
                || s.contains(&format!("for {a}"));
            imp && (defines_fn(s, b) || s.contains(&format!("const {b}")))
        });
        return if has { Ok(()) } else { Err(format!("`{a}::{b}`: no such function")) };
    }
    let module: Vec<&(PathBuf, String)> = sources
        .iter()
        .filter(|(p, _)| {
            p.starts_with("src")
                && (p.file_stem().is_some_and(|s| s == a)
                    || (p.file_name().is_some_and(|n| n == "mod.rs")
                        && p.parent().and_then(Path::file_name).is_some_and(|d| d == a)))
        })
        .collect();
    if a == "reel" {
        let any = sources.iter().any(|(p, s)| p.starts_with("src") && defines_fn(s, b));
        let module = root().join("src").join(b);
        let exists = any || module.with_extension("rs").exists() || module.is_dir();
        let exported =
            fs::read_to_string(root().join("src/lib.rs")).unwrap_or_default().contains(b);
        return if exists || exported { Ok(()) } else { Err(format!("`reel::{b}`: not found")) };
    }
    if module.is_empty() {
        return Ok(());
    }
    let has = module.iter().any(|(p, s)| {
        let sub = p.parent().map(|d| d.join(a).join(format!("{b}.rs")));
        defines_fn(s, b)
            || s.contains(&format!("mod {b}"))
            || s.contains(&format!("static {b}"))
            || s.contains(&format!("pub use {b}"))
            || sub.is_some_and(|f| root().join(f).exists())
    });
    if has { Ok(()) } else { Err(format!("`{a}::{b}`: not in {a}")) }
}

#[test]
fn every_path_and_function_design_and_readme_name_exists() {
    let mut all = Vec::new();
    files(&root(), &mut all);
    let sources: Vec<(PathBuf, String)> = all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| ["src", "examples", "tests", "bench", "fuzz"].iter().any(|d| p.starts_with(d)))
        .map(|p| (p.clone(), fs::read_to_string(root().join(p)).unwrap_or_default()))
        .collect();
    let design = fs::read_to_string(root().join("DESIGN.md")).expect("DESIGN.md");
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let reading = readme
        .split("## Reading the code")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a reading order");
    let mut wrong = Vec::new();
    for (doc, text) in [("DESIGN.md", design.as_str()), ("README.md reading order", reading)] {
        for path in paths(text) {
            if !path_exists(&path, &all) {
                wrong.push(format!("{doc}: {path}: no such file"));
            }
        }
        for name in lone_names(text) {
            if !lone_name_exists(&name, &sources, &all) {
                wrong.push(format!("{doc}: `{name}`: no such function"));
            }
        }
        for (a, b) in paired_names(text) {
            if let Err(e) = check_pair(&a, &b, &sources) {
                wrong.push(format!("{doc}: {e}"));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "names that do not exist:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_finds_what_is_not_there() {
    let all = vec![PathBuf::from("src/net/send.rs"), PathBuf::from("tests/a_shutdown.rs")];
    assert!(path_exists("net/send.rs", &all));
    assert!(path_exists("tests/*_shutdown.rs", &all));
    assert!(!path_exists("tests/*_stop.rs", &all));
    let sources = vec![(
        PathBuf::from("src/join.rs"),
        "pub struct JoinNotify;\nimpl JoinNotify {\n    fn notify(&self) {}\n}\n".to_owned(),
    )];
    assert!(check_pair("JoinNotify", "notify", &sources).is_ok());
    assert!(check_pair("JoinNotify", "cancelled", &sources).is_err());
    assert!(check_pair("join", "notify", &sources).is_ok());
    assert!(check_pair("join", "wait", &sources).is_err());
    assert_eq!(lone_names("`notify()`, `no_such_fn`, `x`, `Waker`"), ["notify", "no_such_fn"]);
    assert!(lone_name_exists("notify", &sources, &all));
    assert!(lone_name_exists("epoll_wait", &sources, &all));
    assert!(!lone_name_exists("no_such_fn", &sources, &all));
    assert_eq!(
        paired_names("see `JoinNotify::cancelled()` and `mio::Poll`"),
        vec![("JoinNotify".to_owned(), "cancelled".to_owned())]
    );
}
