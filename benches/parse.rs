//! Parser throughput on the shared corpus: `cargo bench --bench parse`.
//!
//! Reads every `*.yaml`, `*.yml` and `*.json` file under `../shared/corpus` into memory,
//! then times both parser paths over all of them, single thread and with rayon (one task
//! per file, all cores): `onus::yaml::parse` (the fast scanner, granit-parser for what it
//! declines) and `onus::yaml::parse_granit` (granit-parser alone). Rounds alternate the
//! two paths (the machine is noisy); prints median, min and max of 5 runs and the ratio.
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

type Parse = fn(&str) -> onus::yaml::Stream;

fn parse_one(parse: Parse, text: &str) -> Counts {
    let stream = parse(black_box(text));
    let counts = Counts {
        documents: stream.documents.len(),
        nodes: stream.documents.iter().map(|d| d.nodes.len()).sum(),
        files_with_errors: usize::from(!stream.errors.is_empty()),
    };
    // Dropping the tree is part of the cost, as in the linter.
    drop(black_box(stream));
    counts
}

fn run_single(parse: Parse, texts: &[String]) -> Counts {
    texts
        .iter()
        .map(|t| parse_one(parse, t))
        .fold(Counts::default(), |a, b| a + b)
}

fn run_parallel(parse: Parse, texts: &[String]) -> Counts {
    texts
        .par_iter()
        .map(|t| parse_one(parse, t))
        .reduce(Counts::default, |a, b| a + b)
}

/// Times each case, alternating them round by round; returns each case's counts and
/// median time.
fn measure(
    cases: &[(&str, Parse, Mode)],
    texts: &[String],
    bytes: usize,
) -> Vec<(Counts, Duration)> {
    let run = |&(_, parse, mode): &(&str, Parse, Mode)| match mode {
        Mode::Single => run_single(parse, texts),
        Mode::Parallel => run_parallel(parse, texts),
    };
    // One warm-up pass each (page cache, allocator, rayon pool), not counted.
    let counts: Vec<Counts> = cases.iter().map(|c| black_box(run(c))).collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(RUNS); cases.len()];
    for _ in 0..RUNS {
        for (i, case) in cases.iter().enumerate() {
            let t = Instant::now();
            let c = black_box(run(case));
            times[i].push(t.elapsed());
            assert_eq!(c, counts[i], "runs disagree");
        }
    }
    let mb = bytes as f64 / 1e6;
    let mut out = Vec::new();
    for ((name, _, _), (mut times, counts)) in cases.iter().zip(times.into_iter().zip(counts)) {
        times.sort();
        let docs = counts.documents as f64;
        let rate = |d: Duration| (mb / d.as_secs_f64(), docs / d.as_secs_f64());
        let (med_mb, med_docs) = rate(times[RUNS / 2]);
        // The fastest run gives the max rate, the slowest the min rate.
        let (max_mb, _) = rate(times[0]);
        let (min_mb, _) = rate(times[RUNS - 1]);
        println!(
            "{name:<28} median {med_mb:7.1} MB/s {med_docs:9.0} docs/s | min {min_mb:7.1} | max {max_mb:7.1} MB/s | median {:.1} ms",
            times[RUNS / 2].as_secs_f64() * 1e3
        );
        out.push((counts, times[RUNS / 2]));
    }
    out
}

#[derive(Clone, Copy)]
enum Mode {
    Single,
    Parallel,
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

    let threads = rayon::current_num_threads();
    let scanned = texts
        .iter()
        .filter(|t| onus::yaml::parse_scanner(t).is_some())
        .count();
    let scanned_bytes: usize = texts
        .iter()
        .filter(|t| onus::yaml::parse_scanner(t).is_some())
        .map(|t| t.len())
        .sum();
    println!(
        "the scanner reads {scanned} of {} files ({:.1}% of the bytes); granit-parser the rest",
        texts.len(),
        100.0 * scanned_bytes as f64 / bytes as f64
    );
    let fast: Parse = onus::yaml::parse;
    let granit: Parse = onus::yaml::parse_granit;
    let p1 = "scanner+fallback 1t".to_string();
    let g1 = "granit-parser 1t".to_string();
    let pn = format!("scanner+fallback {threads}t");
    let gn = format!("granit-parser {threads}t");
    let cases = [
        (p1.as_str(), fast, Mode::Single),
        (g1.as_str(), granit, Mode::Single),
        (pn.as_str(), fast, Mode::Parallel),
        (gn.as_str(), granit, Mode::Parallel),
    ];
    let results = measure(&cases, &texts, bytes);
    let counts: Vec<Counts> = results.iter().map(|r| r.0).collect();
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "the paths' results differ: {counts:?}"
    );
    let ratio = |a: usize, b: usize| results[b].1.as_secs_f64() / results[a].1.as_secs_f64();
    println!(
        "scanner+fallback vs granit-parser: x{:.2} faster on 1 thread, x{:.2} on {threads}",
        ratio(0, 1),
        ratio(2, 3)
    );
    let single = counts[0];
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
