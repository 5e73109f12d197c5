//! Mutated manifests never crash a rule or the parser, and every finding points inside
//! its file: a seeded, repeatable mutation run over the fixtures and examples.

mod common;

use common::{files_in, model, root, rules};
use onus::engine::{self, Input, Settings};
use onus::report::{Report, human};

/// xorshift64*: repeatable without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"\n",
    b"  ",
    b"- ",
    b": ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"---\n",
    b"\"",
    b"'",
    b"\t",
    b"#",
    b"|\n",
    b"~",
    b"yes",
    b"\xff",
    b"\xc3",
    b"null",
    b"0x1F",
    b"!!str ",
];

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 => bytes.truncate(at),
            1 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            _ => {
                // Duplicate a slice: repeated keys, deeper nesting.
                let end = (at + rng.below(80)).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                bytes.splice(at..at, slice);
            }
        }
    }
    bytes
}

#[test]
fn mutated_manifests_give_findings_never_crashes() {
    let mut sources = Vec::new();
    for dir in ["fixtures", "examples"] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                }
            }
            sources.extend(files_in(&d));
        }
    }
    sources.sort();
    assert!(sources.len() > 50, "too few seeds: {}", sources.len());
    let all: Vec<_> = rules().iter().collect();
    let settings = Settings::default();
    let mut rng = Rng(0x005e_ed0f_0a05);
    let mut inputs = Vec::new();
    for (i, path) in sources.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        for round in 0..12 {
            inputs.push(Input::Text {
                name: format!("m{i}-{round}.yaml"),
                bytes: mutate(&mut rng, bytes.clone()),
            });
        }
    }
    std::panic::set_hook(Box::new(|_| {}));
    let out = engine::run(&inputs, &all, &settings);
    let _ = std::panic::take_hook();
    for f in &out.findings {
        assert!(
            !f.message.contains("internal error"),
            "{}:{}: {}",
            f.file,
            f.line,
            f.message
        );
        let text = &out.files[f.file_index].text;
        assert!(
            f.span.start <= f.span.end && f.span.end <= text.len(),
            "{f:?}"
        );
        assert!(
            text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end),
            "{f:?}"
        );
        assert!(f.line >= 1 && f.column >= 1 && (f.end_line, f.end_column) >= (f.line, f.column));
    }
    // Rendering every finding works too (snippets of broken text, odd bytes).
    let report = Report {
        findings: (&out.findings).into(),
        files: &out.files,
        summary: out.summary,
        model: model(),
        skipped: &out.skipped,
        errors: &[],
        rules: &[],
    };
    let text = human::render(
        &report,
        &human::Style {
            color: false,
            width: 100,
        },
        human::Options::default(),
    );
    assert!(text.len() > out.findings.len());
    assert_eq!(out.summary.files, inputs.len());
    eprintln!("{} inputs, {:?}", inputs.len(), out.summary);
}
