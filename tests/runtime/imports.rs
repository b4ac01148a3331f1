//! Imports run one way (lib.rs, "ground rules"): this test reads the
//! `crate::` paths in `src/` (code, not comments or unit tests) and fails on
//! a cycle among its modules, or among the files of one folder, but for the
//! one documented exception: a wake on the loop's own thread,
//! `event_loop/waker` -> `context::schedule_local`. It also fails on a module that reaches an
//! item through the crate root (`crate::spawn`), which hides where the
//! dependency goes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The edges allowed to close a cycle: a wake on the loop's own thread
/// reaches the ready queue through `context::schedule_local`.
const EXCEPTIONS: &[(&str, &str)] = &[("event_loop/waker", "event_loop/context")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, relative to `src/`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.strip_prefix(src()).expect("under src").to_path_buf());
        }
    }
}

/// The code of a file: no comment lines, no unit-test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The identifiers that follow `prefix` in `text` (`crate::` -> `net`), and
/// the first of each path in a group after it (`crate::{spawn, net::X}`).
fn after(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let mut found = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or("");
                found.extend(group.split(',').map(|path| ident(path.trim())));
            }
            None => found.push(ident(rest)),
        }
    }
    found.retain(|name: &String| !name.is_empty());
    found
}

/// The cycles of `edges` (Tarjan's strongly connected components of more
/// than one node), each sorted.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        found: Vec<Vec<String>>,
    }
    fn visit(s: &mut State<'_>, v: &str) {
        let i = s.index.len();
        s.index.insert(v.to_owned(), i);
        s.low.insert(v.to_owned(), i);
        s.stack.push(v.to_owned());
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v.to_owned(), low);
            } else if s.stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v.to_owned(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|x| x == v).expect("on the stack");
            let mut component = s.stack.split_off(at);
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    let nodes: BTreeSet<&String> = edges.keys().chain(edges.values().flatten()).collect();
    for v in nodes {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn src_imports_run_one_way() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let is_module =
        |name: &str| src().join(format!("{name}.rs")).exists() || src().join(name).is_dir();
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut through_root = Vec::new();
    for file in &files {
        let text = code(&fs::read_to_string(src().join(file)).expect("read"));
        let parts: Vec<String> =
            file.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned()).collect();
        let top = parts[0].clone();
        if top == "lib" {
            continue;
        }
        for target in after(&text, "crate::") {
            if !is_module(&target) {
                through_root.push(format!("{}: crate::{target}", file.display()));
            } else if target != top {
                modules.entry(top.clone()).or_default().insert(target);
            }
        }
        // Files of one folder: `crate::net::split::` or `super::split::`.
        if parts.len() == 2 && parts[1] != "mod" {
            let folder = src().join(&top);
            let prefix = format!("crate::{top}::");
            let named = after(&text, &prefix).into_iter().chain(after(&text, "super::"));
            for sibling in named {
                let (node, target) = (format!("{top}/{}", parts[1]), format!("{top}/{sibling}"));
                let allowed = EXCEPTIONS.contains(&(node.as_str(), target.as_str()));
                if sibling != parts[1] && folder.join(format!("{sibling}.rs")).exists() && !allowed
                {
                    siblings.entry(node).or_default().insert(target);
                }
            }
        }
    }
    let mut wrong: Vec<String> = through_root;
    for cycle in cycles(&modules).into_iter().chain(cycles(&siblings)) {
        wrong.push(format!("a cycle: {}", cycle.join(" <-> ")));
    }
    assert!(wrong.is_empty(), "imports that do not run one way:\n{}", wrong.join("\n"));
}

#[test]
fn a_cycle_is_found() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("io", "stream"), ("stream", "net"), ("net", "io"), ("sync", "time")] {
        edges.entry(a.to_owned()).or_default().insert(b.to_owned());
    }
    assert_eq!(cycles(&edges), vec![vec!["io", "net", "stream"]]);
    assert_eq!(after("use crate::net::{TcpStream}; crate::spawn(x)", "crate::"), ["net", "spawn"]);
    assert_eq!(after("use crate::{spawn_named, net::X};", "crate::"), ["spawn_named", "net"]);
}
