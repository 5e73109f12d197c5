//! Parser throughput on the shared corpus: `cargo bench --bench parse`.
//!
//! Reads every `*.yaml`, `*.yml` and `*.json` file under `../shared/corpus` into memory,
//! then times `onus::yaml::parse` over all of them, single thread and with rayon
//! (one task per file, all cores). Prints median, min and max of 5 runs.
//! Skips with a message when the corpus is absent.

use rayon::prelude::*;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
const RUNS: usize = 5;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(&path, out);
        } else if ft.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        {
            out.push(path);
        }
    }
}

/// What one pass over all files produced (also used to check both modes agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Counts {
    documents: usize,
    nodes: usize,
    files_with_errors: usize,
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            documents: self.documents + o.documents,
            nodes: self.nodes + o.nodes,
            files_with_errors: self.files_with_errors + o.files_with_errors,
        }
    }
}

fn parse_one(text: &str) -> Counts {
    let stream = onus::yaml::parse(black_box(text));
    let counts = Counts {
        documents: stream.documents.len(),
        nodes: stream.documents.iter().map(|d| d.nodes.len()).sum(),
        files_with_errors: usize::from(!stream.errors.is_empty()),
    };
    // Dropping the tree is part of the cost, as in the linter.
    drop(black_box(stream));
    counts
}

fn run_single(texts: &[String]) -> Counts {
    texts
        .iter()
        .map(|t| parse_one(t))
        .fold(Counts::default(), |a, b| a + b)
}

fn run_parallel(texts: &[String]) -> Counts {
    texts
        .par_iter()
        .map(|t| parse_one(t))
        .reduce(Counts::default, |a, b| a + b)
}

fn measure(name: &str, texts: &[String], bytes: usize, f: fn(&[String]) -> Counts) -> Counts {
    // One warm-up pass (page cache, allocator, rayon pool), not counted.
    let counts = black_box(f(texts));
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let c = black_box(f(black_box(texts)));
        times.push(t.elapsed());
        assert_eq!(c, counts, "runs disagree");
    }
    times.sort();
    let mb = bytes as f64 / 1e6;
    let docs = counts.documents as f64;
    let rate = |d: Duration| (mb / d.as_secs_f64(), docs / d.as_secs_f64());
    let (med_mb, med_docs) = rate(times[RUNS / 2]);
    // The fastest run gives the max rate, the slowest the min rate.
    let (max_mb, max_docs) = rate(times[0]);
    let (min_mb, min_docs) = rate(times[RUNS - 1]);
    println!(
        "{name:<22} median {med_mb:7.1} MB/s {med_docs:9.0} docs/s | min {min_mb:7.1} MB/s {min_docs:9.0} docs/s | max {max_mb:7.1} MB/s {max_docs:9.0} docs/s | median time {:.1} ms",
        times[RUNS / 2].as_secs_f64() * 1e3
    );
    counts
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        println!("parse bench: corpus not found at {CORPUS}, skipping");
        return;
    }
    let mut paths = Vec::new();
    collect(root, &mut paths);
    paths.sort();
    let mut texts = Vec::with_capacity(paths.len());
    let mut names = Vec::with_capacity(paths.len());
    let mut not_utf8 = 0usize;
    for p in &paths {
        match std::fs::read(p).map(String::from_utf8) {
            Ok(Ok(t)) => {
                texts.push(t);
                names.push(p.strip_prefix(root).unwrap_or(p).display().to_string());
            }
            Ok(Err(_)) => not_utf8 += 1,
            Err(e) => println!("parse bench: cannot read {}: {e}", p.display()),
        }
    }
    if texts.is_empty() {
        println!("parse bench: no *.yaml/*.yml/*.json files under {CORPUS}, skipping");
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "corpus: {} files ({} skipped as not UTF-8), {:.2} MB, {} runs each",
        texts.len(),
        not_utf8,
        bytes as f64 / 1e6,
        RUNS
    );

    let single = measure("onus::yaml::parse 1t", &texts, bytes, run_single);
    let threads = rayon::current_num_threads();
    let par = measure(
        &format!("onus::yaml::parse {threads}t"),
        &texts,
        bytes,
        run_parallel,
    );
    assert_eq!(single, par, "single-thread and parallel results differ");
    println!(
        "documents: {}  nodes: {}  files with syntax errors: {}",
        single.documents, single.nodes, single.files_with_errors
    );
    for (name, text) in names.iter().zip(&texts) {
        let stream = onus::yaml::parse(text);
        if let Some(e) = stream.errors.first() {
            println!("  syntax error: {name} @{}: {}", e.offset, e.message);
        }
    }
}
