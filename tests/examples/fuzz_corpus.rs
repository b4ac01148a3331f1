//! Replays every committed fuzz corpus (`fuzz/corpus/TARGET/`) through the
//! same target bodies libFuzzer runs (`fuzz/targets/`), on stable: a change
//! that breaks a property the fuzzers checked fails here, without nightly.
//! The fuzzers themselves: `fuzz/README.md`.

#[path = "../../fuzz/targets/mod.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_corpus_input_keeps_its_target_s_properties() {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, run) in targets::TARGETS {
        let dir = corpora.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut inputs = 0;
        for entry in entries {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: {} fails its properties", path.display());
            inputs += 1;
        }
        assert!(inputs > 0, "{name}: an empty corpus");
        eprintln!("{name}: {inputs} inputs replayed");
    }
}
