//! The fast YAML scanner is provably granit-parser's twin: on every file of the shared
//! corpus (when present), the fixtures, examples, rule files and fuzz seeds, either the
//! scanner declines ("not mine") or both parsers build the same tree, node by node (kind,
//! span, style, tag, value, children, duplicate keys, merged entries, errors).

mod common;

use std::path::PathBuf;

#[derive(Default, Debug)]
struct Tally {
    files: usize,
    scanned: usize,
    nodes: usize,
    declined: Vec<PathBuf>,
    differ: Vec<String>,
}

fn compare_all(dirs: &[PathBuf]) -> Tally {
    let mut files = Vec::new();
    for d in dirs {
        common::files_under(d, &mut files);
    }
    files.sort();
    let mut t = Tally::default();
    for f in files {
        let Ok(Ok(text)) = std::fs::read(&f).map(String::from_utf8) else {
            continue;
        };
        t.files += 1;
        let Some(fast) = onus::yaml::parse_scanner(&text) else {
            t.declined.push(f);
            continue;
        };
        t.scanned += 1;
        match onus::yaml::compare(&fast, &onus::yaml::parse_granit(&text)) {
            Ok(n) => t.nodes += n,
            Err(e) => t.differ.push(format!("{}: {e}", f.display())),
        }
    }
    t
}

/// The files of each directory under `dirs` (two or more) as one stream of documents, the
/// way `helm template` or `kubectl get -o yaml` writes them: what onus reads it as
/// (`yaml::parse`: the scanner, else a document at a time, else granit whole) against
/// granit-parser's reading of the whole stream. Gives (streams, streams the scanner declined
/// whole, nodes identical), and the differences.
/// Each directory's files joined into one stream, read by onus (whole, and a window of
/// about 4 KB at a time as a large file is) and by granit-parser: (streams, declined by the
/// scanner, read in windows, nodes), and the streams that differ.
fn compare_streams(dirs: &[PathBuf]) -> ((usize, usize, usize, usize), Vec<String>) {
    let mut files = Vec::new();
    for d in dirs {
        common::files_under(d, &mut files);
    }
    files.sort();
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
    for f in files {
        let Ok(Ok(text)) = std::fs::read(&f).map(String::from_utf8) else {
            continue;
        };
        let dir = f.parent().map(PathBuf::from).unwrap_or_default();
        by_dir.entry(dir).or_default().push(text);
    }
    let (mut streams, mut declined, mut windowed, mut nodes, mut differ) = (0, 0, 0, 0, Vec::new());
    for (dir, texts) in by_dir.into_iter().filter(|(_, t)| t.len() > 1) {
        let mut stream = String::new();
        for text in texts {
            stream.push_str("---\n");
            stream.push_str(&text);
            if !stream.ends_with('\n') {
                stream.push('\n');
            }
        }
        streams += 1;
        declined += usize::from(onus::yaml::parse_scanner(&stream).is_none());
        let granit = onus::yaml::parse_granit(&stream);
        match onus::yaml::compare(&onus::yaml::parse(&stream), &granit) {
            Ok(n) => nodes += n,
            Err(e) => differ.push(format!("{}: {e}", dir.display())),
        }
        if let Some(w) = onus::yaml::parse_in_windows(&stream, 4096) {
            windowed += 1;
            if let Err(e) = onus::yaml::compare(&w, &granit) {
                differ.push(format!("{}, in windows: {e}", dir.display()));
            }
        }
    }
    ((streams, declined, windowed, nodes), differ)
}

#[test]
fn streams_of_many_documents_are_read_as_granit_reads_them() {
    let root = common::root();
    let mut dirs = vec![root.join("fixtures"), root.join("examples")];
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        eprintln!("../shared/corpus absent: the project's files only");
    }
    let ((streams, declined, windowed, nodes), differ) = compare_streams(&dirs);
    println!(
        "{streams} streams, {declined} declined whole, {windowed} read in windows too, \
         {nodes} nodes identical"
    );
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    // Streams with a document outside the scanner's subset are there, or this tests little.
    assert!(
        declined >= 3 && windowed >= 2 && streams >= 20,
        "{streams} streams, {declined} declined, {windowed} in windows"
    );
}

#[test]
fn the_scanner_builds_granits_tree_on_the_project_files() {
    let root = common::root();
    let dirs: Vec<PathBuf> = ["fixtures", "examples", "rules", "fuzz/seeds", "fuzz/corpus"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let t = compare_all(&dirs);
    println!(
        "project files: {} read, {} scanned ({} nodes identical), {} declined",
        t.files,
        t.scanned,
        t.nodes,
        t.declined.len()
    );
    assert!(
        t.differ.is_empty(),
        "{} differ:\n{}",
        t.differ.len(),
        t.differ.join("\n")
    );
    assert!(t.files > 200, "project files not found");
}

#[test]
fn the_scanner_builds_granits_tree_on_the_shared_corpus() {
    let corpus = common::root().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("../shared/corpus absent: skipped");
        return;
    }
    let t = compare_all(&[corpus]);
    println!(
        "shared corpus: {} files read, {} scanned ({} nodes identical), {} declined",
        t.files,
        t.scanned,
        t.nodes,
        t.declined.len()
    );
    if std::env::var_os("ONUS_SCANNER_DECLINED").is_some() {
        t.declined
            .iter()
            .for_each(|p| println!("declined: {}", p.display()));
    }
    assert!(
        t.differ.is_empty(),
        "{} differ:\n{}",
        t.differ.len(),
        t.differ.join("\n")
    );
    // The fast path must stay the common one: a scanner that declines everything would
    // pass the comparison and lose all the speed.
    assert!(
        t.scanned * 100 >= t.files * 90,
        "the scanner declined {} of {} files: {:?}",
        t.declined.len(),
        t.files,
        t.declined.iter().take(20).collect::<Vec<_>>()
    );
}

/// What the scanner takes, checked against granit-parser on each.
#[test]
fn the_scanner_reads_what_manifests_are_written_in() {
    let cases = [
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a # comment\nspec:\n  containers:\n  - name: c\n    image: 'x:1'\n    args: [\"--a\", b, {c: d}]\n",
        "{\n  \"kind\": \"List\",\n  \"items\": [{\"a\": 1}, [], {}],\n  \"x\":true\n}\n",
        "a: |\n  line\n\n   more\n  x\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  kept\n\n",
        "a: \"multi\n  line \\\n  escaped\"\nb: 'it''s\n\n  folded'\n",
        "a:\n- x\n-\n- - y\n  - z\n- k: v\n  l: w\nb:\n",
        "---\n---\na: plain\n  continued\n\n  paragraph\n---\n# only a comment\n",
        "a: 1\na: 2\nb: [x, y,]\n",
        "a: b\r\nc:\r\n  - d\r\n  -\r\ne: |\r\n  x\r\n\r\n  y\r\nf: \"q\r\n  r\"\r\ng: x\r\n  y\r\nh:\r\n",
    ];
    for text in cases {
        let fast = onus::yaml::parse_scanner(text)
            .unwrap_or_else(|| panic!("the scanner declined {text:?}"));
        onus::yaml::compare(&fast, &onus::yaml::parse_granit(text))
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

/// What it leaves to granit-parser: anchors, tags, tabs, lone CRs, directives, errors.
#[test]
fn the_scanner_declines_the_rest() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a:\tb\n",
        "a: b\rc: d\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: b: c\n",
        "a:\n  b: 1\n c: 2\n",
        "a: [1, 2\n",
        "\u{feff}a: 1\n",
        "? a\n: b\n",
    ] {
        assert!(
            onus::yaml::parse_scanner(text).is_none(),
            "{text:?} was scanned"
        );
    }
}
