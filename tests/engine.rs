//! Engine guarantees that need a rule of our own: a panicking rule is a finding, not a crash.

mod common;

use onus::engine::{self, Input, Settings};
use onus::finding::Severity;
use onus::object::Resource;
use onus::rule::{Check, Cx, Hit, Rule};

struct Panics;

impl Check for Panics {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if res.name == Some("boom") {
            panic!("deliberate");
        }
        out.push(Hit::new(res.name_span(), "seen"));
    }
}

#[test]
fn a_panicking_rule_becomes_a_finding_and_the_run_goes_on() {
    let rule = Rule {
        id: "test-panics".into(),
        severity: Severity::Warning,
        enabled: true,
        responsibility: "2.2/native-api-import-export".into(),
        summary: "s".into(),
        rationale: "r".into(),
        remediation: "m".into(),
        check_name: "test-panics".into(),
        example_fail: None,
        example_pass: None,
        check: Box::new(Panics),
        factory: |_| Ok(Box::new(Panics)),
        origin: "test".into(),
        text: String::new(),
        scope: Vec::new(),
    };
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n";
    std::panic::set_hook(Box::new(|_| {}));
    let out = engine::run(
        &[Input::Text {
            name: "x.yaml".into(),
            bytes: text.as_bytes().to_vec(),
        }],
        &[&rule],
        &Settings::default(),
    );
    let _ = std::panic::take_hook();
    let msgs: Vec<(usize, &str)> = out
        .findings
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].0, 3);
    assert!(msgs[0].1.contains("internal error: deliberate"), "{msgs:?}");
    assert_eq!(msgs[1], (7, "seen"));
}

/// Trees dropped after the first pass and files read again for the rules (a set larger
/// than what the engine keeps) give the same report, byte for byte, in every format.
#[test]
fn reading_files_again_changes_no_report() {
    let root = common::root();
    let real = root.join("../shared/corpus/real");
    for format in [
        "json", "human", "sarif", "junit", "github", "concise", "markdown",
    ] {
        let mut dirs = vec![root.join("examples"), root.join("fixtures")];
        // The whole corpus once (debug builds are slow), the fixtures in every format.
        if format == "json" && real.is_dir() {
            dirs.push(real.clone());
        }
        // How many bytes of files the engine keeps, and of findings the store keeps in
        // memory (past them, files are read again and findings wait on disk); and which
        // files it reads a window of documents at a time (`from,bytes`).
        // And how many objects of a file are linted at a time, with how many bytes of their
        // findings held (`objects,bytes`).
        let run = |keep: &str, findings: &str, windows: &str, parts: &str| {
            let mut cmd = assert_cmd::Command::cargo_bin("onus").unwrap();
            cmd.env("ONUS_KEEP_BYTES", keep)
                .env("ONUS_FINDINGS_BYTES", findings)
                .env("ONUS_WINDOWS", windows)
                .env("ONUS_PARTS", parts)
                .env("NO_COLOR", "1")
                .args(["check", "--format", format, "--rules"])
                .arg(root.join("examples/policies"))
                .args(&dirs);
            common::run(&mut cmd)
        };
        let whole = "1000000000,1";
        let (one, parts) = ("1000000000,1000000000", "1024,1048576");
        let all = run("1000000000", "1000000000", whole, one);
        for (keep, findings, windows, parts) in [
            ("0", "0", whole, parts),
            ("200000", "100000", whole, parts),
            ("0", "1000000000", whole, parts),
            // Every file of two documents or more read a document at a time, or a few (files
            // the keep budget holds are read whole).
            ("0", "1000000000", "0,1", parts),
            ("0", "0", "0,2000", parts),
            // Every file of two objects or more linted an object at a time, or a few, their
            // findings on disk or in memory.
            ("1000000000", "1000000000", whole, "1,0"),
            ("0", "0", whole, "3,1000000"),
        ] {
            let again = run(keep, findings, windows, parts);
            let case = format!(
                "{format}, keep {keep} bytes of files, {findings} of findings, windows \
                 {windows}, parts {parts}"
            );
            assert_eq!(all.code, again.code, "{case}");
            assert!(all.stdout == again.stdout, "{case}: the report differs");
            assert_eq!(all.stderr, again.stderr, "{case}");
        }
    }
}

/// A file read a window of documents at a time reports what it reports read whole: comments
/// before a marker, a kustomization among its documents (then it is read whole), an error or
/// a merge budget spent over several windows (read whole again), annotations.
#[test]
fn windowed_files_report_what_whole_files_report() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  \
             template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:latest\n"
        )
    };
    let (a, b, c) = (deployment("a"), deployment("b"), deployment("c"));
    let merges = {
        let base: String = (0..200).map(|i| format!("  k{i}: v\n")).collect();
        let uses: String = (0..400)
            .map(|j| format!("x{j}:\n  <<: *b\n  z: 1\n"))
            .collect();
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\nbase: &b\n{base}{uses}")
    };
    let files = [
        ("syntax.yaml", format!("{a}---\n{b}---\na: [1, 2\n---\n{c}")),
        (
            "comments.yaml",
            format!(
                "{a}# onus: ignore image-latest-tag -- before a marker\n---\n{b}---\n\
                 # onus: ignore all\n{c}...\n{a}---\napiVersion: kustomize.config.k8s.io/v1beta1\n\
                 kind: Kustomization\nresources: [x.yaml]\n"
            ),
        ),
        (
            "annotated.yaml",
            format!(
                "{a}---\n{b}  annotations: {{onus.dev/ignore: image-latest-tag}}\n---\n\
                 # onus: ignore missing-liveness-probe\n{}---\n{a}",
                // A comment on a node: it covers what the node holds.
                c.replace(
                    "      containers:",
                    "      # onus: ignore image-latest-tag\n      containers:"
                )
            ),
        ),
        ("merges.yaml", vec![merges; 12].join("---\n")),
        (
            // An empty block scalar before a marker ends where the marker's line starts.
            "scalar.yaml",
            format!("{a}    annotations:\n      x: |\n---\n|\n---\n{b}"),
        ),
        (
            // A comment above a marker with content speaks of that content.
            "marker.yaml",
            format!(
                "{a}# onus: ignore all -- flow\n--- {{apiVersion: extensions/v1beta1, kind: \
                 Deployment, metadata: {{name: f}}}}\n---\n{b}"
            ),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).expect("a file written");
    }
    // Bytes a later window cannot take (not UTF-8, NUL): the file is read whole, which says so.
    for (name, bad) in [
        ("latin1.yaml", b"# caf\xe9\n".as_slice()),
        ("nul.yaml", b"x: \0\n"),
    ] {
        let text = [
            a.as_bytes(),
            b"---\n",
            b.as_bytes(),
            b"---\n",
            bad,
            c.as_bytes(),
        ]
        .concat();
        std::fs::write(dir.path().join(name), text).expect("a file written");
    }
    for format in ["json", "human"] {
        // No file kept between the passes: a file the budget keeps is read whole.
        // Windows (`from,bytes`), and objects linted at a time (`objects,bytes` of findings).
        let run = |windows: &str, parts: &str| {
            let mut cmd = assert_cmd::Command::cargo_bin("onus").unwrap();
            cmd.env("ONUS_WINDOWS", windows)
                .env("ONUS_PARTS", parts)
                .env("ONUS_KEEP_BYTES", "0")
                .env("NO_COLOR", "1")
                .args(["check", "--format", format])
                .arg(dir.path());
            common::run(&mut cmd)
        };
        let one = "1000000000,1000000000";
        let whole = run("1000000000,1", one);
        assert!(whole.stdout.contains("merge-key bomb"), "{}", whole.stdout);
        for (windows, parts) in [
            ("0,1", one),
            ("0,100", one),
            ("0,20000", one),
            // Linted an object or two at a time, whole or in windows, findings on disk.
            ("1000000000,1", "1,0"),
            ("1000000000,1", "2,1000"),
            ("0,1", "1,0"),
            ("0,20000", "1,0"),
        ] {
            let again = run(windows, parts);
            let case = format!("{format}, windows {windows}, parts {parts}");
            assert_eq!(whole.code, again.code, "{case}");
            assert!(whole.stdout == again.stdout, "{case}: the report differs");
            assert_eq!(whole.stderr, again.stderr, "{case}");
        }
        // Standard input, read in windows: spooled to a temporary file (removed at once),
        // or, where none can be made, from its bytes in memory (the human report's snippets
        // too).
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let none = tmp.path().join("none");
        let stdin = |windows: &str, name: &str, tmpdir: &std::path::Path| {
            let mut cmd = assert_cmd::Command::cargo_bin("onus").unwrap();
            cmd.env("ONUS_WINDOWS", windows)
                .env("ONUS_KEEP_BYTES", "0")
                .env("NO_COLOR", "1")
                .env("TMPDIR", tmpdir)
                .args(["check", "--format", format, "-"])
                .write_stdin(std::fs::read(dir.path().join(name)).expect("a file read"));
            common::run(&mut cmd)
        };
        for name in ["annotated.yaml", "marker.yaml", "nul.yaml", "latin1.yaml"] {
            let whole = stdin("1000000000,1", name, tmp.path());
            for windows in ["0,1", "0,100"] {
                for tmpdir in [tmp.path(), &none] {
                    let case = format!(
                        "{format}, {name} on standard input, windows {windows}, TMPDIR {}",
                        tmpdir.display()
                    );
                    let again = stdin(windows, name, tmpdir);
                    assert!(again.stdout == whole.stdout, "{case}");
                    assert_eq!(again.code, whole.code, "{case}");
                }
            }
        }
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("the temporary directory read")
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// Standard input spooled to a temporary file reads as when it is held: a name ending in
/// `.json` is checked as JSON, and a kustomization is not rendered from the working
/// directory (standard input is no directory's file).
#[test]
fn spooled_standard_input_reads_as_held() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    \
         spec:\n      containers:\n      - name: c\n        image: nginx:latest\n",
    )
    .expect("a file written");
    let inputs = [
        (
            "kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n",
        ),
        (
            "x.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",}\n",
        ),
        (
            "x.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n",
        ),
    ];
    for (name, text) in inputs {
        for format in ["json", "human"] {
            // Spooled from the first byte, or held (read whole).
            let run = |windows: &str| {
                let mut cmd = assert_cmd::Command::cargo_bin("onus").unwrap();
                cmd.current_dir(dir.path())
                    .env("ONUS_WINDOWS", windows)
                    .env("NO_COLOR", "1")
                    .args(["check", "--format", format, "--stdin-filename", name, "-"])
                    .write_stdin(text);
                common::run(&mut cmd)
            };
            let (held, spooled) = (run("1000000000,1"), run("0,1"));
            let case = format!("{name}, {format}");
            assert!(held.stdout == spooled.stdout, "{case}: {}", spooled.stdout);
            assert_eq!(
                (held.code, &held.stderr),
                (spooled.code, &spooled.stderr),
                "{case}"
            );
            assert!(!spooled.stdout.contains("deploy.yaml"), "{case}: rendered");
            if name == "x.json" {
                assert!(spooled.stdout.contains("not valid JSON"), "{case}");
            }
        }
    }
}

/// Findings come out of the engine file by file: they must still be in report order.
#[test]
fn findings_come_in_report_order() {
    let root = common::root();
    let mut dirs = vec![root.join("examples"), root.join("fixtures")];
    let real = root.join("../shared/corpus/real");
    if real.is_dir() {
        dirs.push(real);
    }
    let rules: Vec<&Rule> = common::rules().iter().collect();
    let mut n = 0;
    for dir in dirs {
        let mut files = Vec::new();
        common::files_under(&dir, &mut files);
        let inputs: Vec<Input> = files
            .into_iter()
            .map(|path| Input::Path {
                name: path.to_string_lossy().into(),
                path,
                context: false,
            })
            .collect();
        let out = engine::run(&inputs, &rules, &Settings::default());
        for w in out.findings.windows(2) {
            assert!(
                w[0].sort_key() <= w[1].sort_key(),
                "{}:{} ({}) comes before {}:{} ({})",
                w[0].file,
                w[0].line,
                w[0].rule,
                w[1].file,
                w[1].line,
                w[1].rule
            );
        }
        n += out.findings.len();
    }
    assert!(n > 1000, "only {n} findings: the test sees too little");
}

/// The engine says once, when its keep budget first refuses a tree, that the set is large
/// (the binary stops huge pages there); a set the budget holds never says it. Either says
/// once that its second pass begins.
#[test]
fn a_large_set_is_announced_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SMALL: AtomicUsize = AtomicUsize::new(0);
    static LARGE: AtomicUsize = AtomicUsize::new(0);
    static SECOND: AtomicUsize = AtomicUsize::new(0);
    fn second() {
        SECOND.fetch_add(1, Ordering::Relaxed);
    }
    let root = common::root();
    let found = onus::discover::discover(
        &[root.join("examples").to_string_lossy().into_owned()],
        &globset::GlobSet::empty(),
        onus::discover::Stdin {
            name: None,
            spool_from: usize::MAX,
        },
    );
    assert!(found.inputs.len() > 2, "the examples are several files");
    let rules = onus::registry::builtin_rules().expect("the built-in rules load");
    let chosen: Vec<&Rule> = rules.iter().filter(|r| r.enabled).collect();
    for (keep, counter) in [(usize::MAX / 2, &SMALL), (0, &LARGE)] {
        fn small() {
            SMALL.fetch_add(1, Ordering::Relaxed);
        }
        fn large() {
            LARGE.fetch_add(1, Ordering::Relaxed);
        }
        let settings = Settings {
            keep_bytes: keep,
            large_set: Some(if keep == 0 { large } else { small }),
            second_pass: Some(second),
            ..Settings::default()
        };
        let before = SECOND.load(Ordering::Relaxed);
        engine::run(&found.inputs, &chosen, &settings);
        assert_eq!(
            SECOND.load(Ordering::Relaxed),
            before + 1,
            "keep {keep} bytes"
        );
        let expected = usize::from(keep == 0);
        assert_eq!(
            counter.load(Ordering::Relaxed),
            expected,
            "keep {keep} bytes"
        );
    }
}

/// Files of many objects are linted a bounded number of objects at a time: the chunks, cut
/// between files, lose or repeat no finding and keep report order.
#[test]
fn chunks_cut_by_objects_keep_every_finding_in_order() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut inputs = Vec::new();
    for f in 0..5 {
        let mut text = String::new();
        for o in 0..900 {
            text.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{f}-{o}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:latest\n"
            ));
        }
        let path = dir.path().join(format!("f{f}.yaml"));
        std::fs::write(&path, text).expect("a file written");
        inputs.push(Input::Path {
            name: path.to_string_lossy().into(),
            path,
            context: false,
        });
    }
    // Rules on one object at a time: a file's findings do not depend on the others.
    let rules: Vec<&Rule> = common::rules()
        .iter()
        .filter(|r| r.id == "image-latest-tag" || r.id == "missing-liveness-probe")
        .collect();
    assert_eq!(rules.len(), 2, "both rules exist");
    let all = engine::run(&inputs, &rules, &Settings::default());
    for w in all.findings.windows(2) {
        assert!(w[0].sort_key() <= w[1].sort_key(), "out of order");
    }
    let alone: usize = inputs
        .iter()
        .map(|i| {
            engine::run(std::slice::from_ref(i), &rules, &Settings::default())
                .findings
                .len()
        })
        .sum();
    assert_eq!(all.findings.len(), alone);
    assert!(alone >= 5 * 900 * 2, "only {alone} findings");
}

/// Append `bytes` to the file at `path` (a hook between the passes changes a file so).
fn append(path: &std::sync::OnceLock<std::path::PathBuf>, bytes: &[u8]) {
    use std::io::Write;
    if let Some(path) = path.get() {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("the file opened");
        f.write_all(bytes).expect("the file changed");
    }
}

/// Every file read a document at a time, nothing kept, `spoil` run before the second pass.
fn spoiled_between_the_passes(spoil: fn()) -> Settings {
    Settings {
        keep_bytes: 0,
        windows: (0, 1),
        second_pass: Some(spoil),
        ..Settings::default()
    }
}

/// A windowed file that changes between the two passes, so that its last window can no longer
/// be read alone: the windows handed on stay, the whole says the rest, and the findings are
/// those of the changed file read whole, in order, each once.
#[test]
fn a_file_changed_between_the_passes_reports_as_read_whole() {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    fn spoil() {
        append(&PATH, b"---\nx: [1,\n");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("stream.yaml");
    let docs: Vec<String> = (0..12)
        .map(|i| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  \
                 template:\n    spec:\n      containers:\n      - name: c\n        image: x:latest\n"
            )
        })
        .collect();
    std::fs::write(&path, docs.join("---\n")).expect("a file written");
    PATH.set(path.clone()).expect("set once");
    let rules: Vec<&Rule> = common::rules().iter().collect();
    let input = || Input::Path {
        name: path.to_string_lossy().into(),
        path: path.clone(),
        context: false,
    };
    let windowed = engine::run(&[input()], &rules, &spoiled_between_the_passes(spoil));
    let whole = engine::run(&[input()], &rules, &Settings::default());
    assert!(
        whole.findings.iter().any(|f| &*f.rule == "invalid-yaml"),
        "the file was not changed"
    );
    assert!(whole.findings.len() > 12, "too few findings to compare");
    assert!(windowed.failures.is_empty(), "{:?}", windowed.failures);
    let show = |o: &engine::Outcome| {
        o.findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{}:{} {} {}",
                    f.line, f.column, f.span.start, f.rule, f.message
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&windowed), show(&whole));
}

/// A windowed file that a NUL spoils between the two passes: read whole it is binary, which
/// cannot be said after the windows handed on: the run says the file changed, and fails.
#[test]
fn a_file_spoiled_between_the_passes_is_a_failure() {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    fn spoil() {
        append(&PATH, b"---\nx: \0\n");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("stream.yaml");
    let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n";
    std::fs::write(&path, [doc; 6].join("---\n")).expect("a file written");
    PATH.set(path.clone()).expect("set once");
    let rules: Vec<&Rule> = common::rules().iter().collect();
    let out = engine::run(
        &[Input::Path {
            name: path.to_string_lossy().into(),
            path,
            context: false,
        }],
        &rules,
        &spoiled_between_the_passes(spoil),
    );
    assert!(
        out.failures
            .iter()
            .any(|e| e.contains("changed while it was read")),
        "{:?}",
        out.failures
    );
    let lines: Vec<usize> = out
        .findings
        .iter()
        .filter(|f| &*f.rule == "host-network")
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [6, 13, 20, 27, 34, 41], "the windows handed on");
}
