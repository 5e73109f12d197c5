//! Replays the fuzz targets' saved inputs (`fuzz/corpus`, `fuzz/seeds`, `fuzz/regressions`,
//! and the fixtures and examples they start from) through the same checks the targets run,
//! so every crash once found stays fixed and no fuzzer is needed for `cargo test`.

mod common;

use common::files_under as files;
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fuzz = root.join("fuzz");
    let mut inputs = Vec::new();
    // The fuzzer also starts from the fixtures and examples: they are replayed too.
    for dir in [
        fuzz.join("corpus").join(target),
        fuzz.join("regressions").join(target),
        fuzz.join("seeds"),
        root.join("fixtures"),
        root.join("examples"),
    ] {
        files(&dir, &mut inputs);
    }
    inputs.sort();
    assert!(inputs.len() >= 10, "no saved inputs for {target}");
    for p in &inputs {
        let data = std::fs::read(p).unwrap();
        let caught = std::panic::catch_unwind(|| check(&data));
        assert!(caught.is_ok(), "{target} fails on {}", p.display());
    }
    eprintln!("{target}: {} inputs replayed", inputs.len());
}

#[test]
fn yaml_target_corpus() {
    replay("yaml", onus::fuzzing::check_yaml);
}

#[test]
fn scanner_target_corpus() {
    replay("scanner", onus::fuzzing::check_scanner);
}

#[test]
fn pipeline_target_corpus() {
    replay("pipeline", onus::fuzzing::check_pipeline);
}

#[test]
fn rule_target_corpus() {
    replay("rule", onus::fuzzing::check_rule);
}

#[test]
fn render_target_corpus() {
    replay("render", onus::fuzzing::check_render);
}
