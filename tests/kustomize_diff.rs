//! `onus build` against `kubectl kustomize`: on every kustomization of the shared real corpus
//! that kubectl renders offline, and on the kustomizations under `tests/kustomize/`, the
//! two object sets are the same (parsed, scalars typed, order-insensitive). Skips cleanly
//! when kubectl or the corpus is absent.

use onus::render::{self, tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kubectl() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `kubectl kustomize dir`, or None when it fails or takes longer than 60 s (a remote base).
fn kubectl_kustomize(dir: &Path) -> Option<String> {
    let out = tempfile::NamedTempFile::new().ok()?;
    let mut child = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .stdout(out.reopen().ok()?)
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().ok()? {
            if !status.success() {
                return None;
            }
            return std::fs::read_to_string(out.path()).ok();
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Each object as canonical JSON (keys sorted), the list sorted.
fn canonical_text(text: &str) -> Vec<String> {
    let stream = onus::yaml::parse(text);
    let mut budget = usize::MAX;
    let mut out: Vec<String> = stream
        .documents
        .iter()
        .filter_map(onus::yaml::NodeRef::root)
        .filter(|r| !r.is_null())
        .filter_map(|r| tree::from_yaml(r, 0, &mut budget).ok())
        .map(|n| tree::to_json(&n).to_string())
        .collect();
    out.sort();
    out
}

/// Each object's (kind, namespace, name), in order: kubectl's output order is onus's too.
fn order_of_text(text: &str) -> Vec<String> {
    let stream = onus::yaml::parse(text);
    let mut budget = usize::MAX;
    let nodes: Vec<tree::Node> = stream
        .documents
        .iter()
        .filter_map(onus::yaml::NodeRef::root)
        .filter(|r| !r.is_null())
        .filter_map(|r| tree::from_yaml(r, 0, &mut budget).ok())
        .collect();
    order(&nodes)
}

fn order(objects: &[tree::Node]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{} {}/{}",
                o.str_at(&["kind"]).unwrap_or(""),
                o.str_at(&["metadata", "namespace"]).unwrap_or(""),
                o.str_at(&["metadata", "name"]).unwrap_or("")
            )
        })
        .collect()
}

fn canonical(objects: &[tree::Node]) -> Vec<String> {
    let mut out: Vec<String> = objects
        .iter()
        .map(|n| tree::to_json(n).to_string())
        .collect();
    out.sort();
    out
}

fn kustomization_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| render::build::KUSTOMIZATION_FILES.contains(&f))
            {
                dirs.push(d.clone());
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// (rendered by kubectl, identical, what differs). With `refusals`, a kustomization kubectl
/// refuses must be refused by onus too.
fn compare(dirs: &[PathBuf], refusals: bool) -> (usize, usize, Vec<String>) {
    let (mut rendered, mut same, mut diffs) = (0, 0, Vec::new());
    for dir in dirs {
        let Some(expected) = kubectl_kustomize(dir) else {
            if refusals && let Ok(set) = render::build(dir) {
                diffs.push(format!(
                    "{}: kubectl refuses it, onus renders {} objects",
                    dir.display(),
                    set.objects.len()
                ));
            }
            continue;
        };
        rendered += 1;
        let expected_order = order_of_text(&expected);
        let expected = canonical_text(&expected);
        match render::build(dir) {
            Ok(set) => {
                // What onus prints must read back as what it rendered.
                let printed = canonical_text(&render::emit::emit(&set.objects));
                let got = canonical(&set.objects);
                if got == expected && printed == got {
                    same += 1;
                    let got_order = order(&set.objects);
                    if got_order != expected_order {
                        diffs.push(format!(
                            "{}: same objects, another order\n  kubectl: {expected_order:?}\n  onus:    {got_order:?}",
                            dir.display()
                        ));
                    }
                } else {
                    let missing: Vec<&String> =
                        expected.iter().filter(|e| !got.contains(e)).collect();
                    let extra: Vec<&String> =
                        got.iter().filter(|g| !expected.contains(g)).collect();
                    diffs.push(format!(
                        "{}: {} objects expected, {} rendered{}\n  kubectl only: {:.600}\n  onus only:    {:.600}",
                        dir.display(),
                        expected.len(),
                        got.len(),
                        if printed == got { "" } else { " (printed text reads back differently)" },
                        missing.first().map(|s| s.as_str()).unwrap_or("-"),
                        extra.first().map(|s| s.as_str()).unwrap_or("-"),
                    ));
                }
            }
            Err(e) => diffs.push(format!("{}: onus failed: {}", dir.display(), e.message)),
        }
    }
    (rendered, same, diffs)
}

#[test]
fn own_kustomizations_render_as_kubectl_does() {
    if !kubectl() {
        eprintln!("kubectl not installed: skipped");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kustomize");
    let dirs = kustomization_dirs(&root);
    assert!(!dirs.is_empty());
    let (rendered, same, diffs) = compare(&dirs, true);
    eprintln!("tests/kustomize: {same} identical of {rendered} rendered by kubectl");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert!(rendered >= 60, "kubectl rendered only {rendered}");
}

#[test]
fn corpus_kustomizations_render_as_kubectl_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if !root.is_dir() || !kubectl() {
        eprintln!("../shared/corpus/real or kubectl absent: skipped");
        return;
    }
    let dirs = kustomization_dirs(&root);
    let (rendered, same, diffs) = compare(&dirs, false);
    eprintln!(
        "corpus: {} kustomizations, {rendered} rendered by kubectl offline, {same} identical",
        dirs.len()
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
