//! Hostile inputs (merge-key bombs, FIFOs, duplicate-key floods, quadratic shapes, broken
//! encodings), each linted beside a good file: the run ends within a generous bound
//! (a guard against hangs, not a speed measurement), exits with at most 2, still reports
//! the good file's finding, and the children's peak memory stays under 256 MB.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above what any case takes (debug build, busy machine), far below a hang.
const BOUND: Duration = Duration::from_secs(60);
const MEMORY_MB: i64 = 256;

/// A container securityContext that the security rules accept.
const HARDENED: &str =
    "{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}";

const GOOD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x}]\n";

/// The parts of the JSON report the tests read: parsed from the file as a stream into
/// these few fields, so that the test process itself stays small (a child spawned while it
/// is large would report its size as the child's own peak).
#[derive(Deserialize)]
struct Report {
    findings: Vec<JsonFinding>,
    errors: Vec<String>,
    skipped: Vec<JsonSkipped>,
    summary: JsonSummary,
}

#[derive(Deserialize)]
struct JsonFinding {
    file: String,
    rule: String,
    message: String,
}

#[derive(Deserialize)]
struct JsonSkipped {
    file: String,
    reason: String,
}

#[derive(Deserialize)]
struct JsonSummary {
    skipped_documents: usize,
}

struct Outcome {
    code: i32,
    report: Report,
    stderr: String,
}

/// Run `onus check --format json` with a deadline; panics (naming the case) on a hang.
fn check(case: &str, args: &[&Path]) -> Outcome {
    check_with(case, args, &[])
}

/// `check` with more flags.
fn check_with(case: &str, args: &[&Path], flags: &[&str]) -> Outcome {
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onus"))
        .arg("check")
        .args(["--format", "json", "--jobs", "2"])
        .args(flags)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{case}: still running after {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    let reader = std::io::BufReader::new(std::fs::File::open(out.path()).unwrap());
    let report = serde_json::from_reader(reader)
        .unwrap_or_else(|e| panic!("{case}: not the JSON report ({e}); stderr: {stderr}"));
    Outcome {
        code: status.code().unwrap_or(-1),
        report,
        stderr,
    }
}

fn rules_in(r: &Report, file: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.file.ends_with(file))
        .map(|f| f.rule.clone())
        .collect()
}

/// The hostile cases: (file name, content, a rule it must report, if any).
fn cases() -> Vec<(String, Vec<u8>, Option<&'static str>)> {
    let mut v: Vec<(String, Vec<u8>, Option<&'static str>)> = Vec::new();
    let mut add = |name: &str, text: String, rule: Option<&'static str>| {
        v.push((name.to_string(), text.into_bytes(), rule));
    };
    // Merge keys that merge their own mapping (the reproducers, 8 and 16 aliases).
    for n in [8, 16, 64] {
        let aliases = vec!["*a"; n].join(",");
        add(
            &format!("self-pod-{n}.yaml"),
            format!(
                "kind: Pod\napiVersion: v1\nmetadata: {{name: p}}\nspec: &a {{<<: [{aliases}]}}\n"
            ),
            Some("invalid-yaml"),
        );
        add(
            &format!("self-cm-{n}.yaml"),
            format!(
                "x: &a {{<<: [{aliases}]}}\nkind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata: *a\n"
            ),
            Some("invalid-yaml"),
        );
    }
    // A merge of an ancestor, in block style.
    add(
        "ancestor.yaml",
        "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: &d\n  inner:\n    <<: *d\n"
            .into(),
        Some("invalid-yaml"),
    );
    // Chains without self-reference: fan-out to the power of the depth if expanded.
    for (fan, depth) in [(8, 8), (16, 12), (64, 40)] {
        let mut s = String::from("a0: &a0 {k0: v, k1: v}\n");
        for i in 1..=depth {
            let refs = vec![format!("*a{}", i - 1); fan].join(",");
            s.push_str(&format!("a{i}: &a{i} {{<<: [{refs}], k{i}x: v}}\n"));
        }
        s.push_str(&format!(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata: *a{depth}\n"
        ));
        add(&format!("chain-{fan}-{depth}.yaml"), s, None);
    }
    // Many copies of a wide mapping: beyond the file's merge budget.
    let wide: Vec<String> = (0..2000).map(|i| format!("k{i}: v")).collect();
    add(
        "wide-merge.yaml",
        format!(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\nbase: &b {{{}}}\nuse:\n{}",
            wide.join(", "),
            "- {<<: *b}\n".repeat(4000)
        ),
        Some("invalid-yaml"),
    );
    // One merge key beside many keys.
    let keys: String = (0..40_000).map(|i| format!("  k{i}: v\n")).collect();
    add(
        "merge-beside.yaml",
        format!(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\nx: &b {{z: 1}}\ndata:\n  <<: *b\n{keys}"
        ),
        None,
    );
    // 2.8 MB of one repeated key.
    add(
        "duplicates.yaml",
        format!(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata:\n{}",
            "  a: v\n".repeat(400_000)
        ),
        Some("invalid-manifest"),
    );
    // Findings on one long line: a minified Pod with 40k hostPath volumes.
    let volumes: Vec<String> = (0..40_000)
        .map(|i| format!("{{\"name\":\"v{i}\",\"hostPath\":{{\"path\":\"/x\"}}}}"))
        .collect();
    add(
        "long-line.json",
        format!(
            "{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"p\"}},\"spec\":{{\"containers\":[{{\"name\":\"c\",\"image\":\"x\"}}],\"volumes\":[{}]}}}}",
            volumes.join(",")
        ),
        Some("host-path-volume"),
    );
    // 40k suppression comments.
    let mut s = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n  volumes:\n",
    );
    for i in 0..40_000 {
        s.push_str(&format!(
            "  # onus: ignore host-path-volume -- ok\n  - {{name: v{i}, hostPath: {{path: /x}}}}\n"
        ));
    }
    add("suppressions.yaml", s, None);
    // A pod with 40k labels against a policy with 40k requirements, both ways.
    let labels: String = (0..40_000).map(|i| format!("    l{i}: v\n")).collect();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n{labels}spec:\n  containers: [{{name: c, image: x}}]\n---\n"
    );
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  policyTypes: [Ingress]\n  podSelector:\n";
    let match_labels: String = (0..40_000).map(|i| format!("      l{i}: v\n")).collect();
    add(
        "match-labels.yaml",
        format!("{pod}{policy}    matchLabels:\n{match_labels}"),
        None,
    );
    let exprs: String = (0..40_000)
        .map(|i| format!("    - {{key: l{i}, operator: In, values: [v]}}\n"))
        .collect();
    add(
        "match-expressions.yaml",
        format!("{pod}{policy}    matchExpressions:\n{exprs}"),
        None,
    );
    // 16k pods and 16k policies that select none of them, and 16k alike `{}` policies.
    let mut s = String::new();
    for i in 0..16_000 {
        // Hardened pods: the case is about pods x policies, not about a flood of findings.
        s.push_str(&format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, labels: {{app: a{i}}}}}\nspec: {{securityContext: {{runAsNonRoot: true}}, containers: [{{name: c, image: \"x:1.0\", securityContext: {HARDENED}}}]}}\n"));
        s.push_str(&format!("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}}}\nspec: {{podSelector: {{matchLabels: {{app: b{i}}}}}, policyTypes: [Egress]}}\n"));
        s.push_str(&format!("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: all{i}}}\nspec: {{podSelector: {{}}, policyTypes: [Egress]}}\n"));
    }
    add("pods-and-policies.yaml", s, Some("missing-network-policy"));
    // Many documents each spoiled by an invalid byte.
    let mut bytes = Vec::new();
    for i in 0..20_000 {
        bytes.extend_from_slice(
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: \""
            )
            .as_bytes(),
        );
        bytes.extend_from_slice(b"\xff\"}\n");
    }
    v.push(("invalid-utf8.yaml".into(), bytes, Some("invalid-yaml")));
    // UTF-16: without a BOM, with an unpaired surrogate, with an odd trailing byte.
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: cafe}\nstringData: {password: hunter2}\n";
    let le = |t: &str| -> Vec<u8> { t.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let be = |t: &str| -> Vec<u8> { t.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    v.push((
        "utf16le-no-bom.yaml".into(),
        le(secret),
        Some("invalid-yaml"),
    ));
    v.push((
        "utf16be-no-bom.yaml".into(),
        be(secret),
        Some("invalid-yaml"),
    ));
    let mut lone = vec![0xFF, 0xFE];
    lone.extend(le(&secret.replace("cafe", "caf\u{1}")));
    let at = lone.windows(2).position(|w| w == [1, 0]).unwrap();
    lone.splice(at..at + 2, [0x00, 0xD8]);
    v.push((
        "utf16-lone-surrogate.yaml".into(),
        lone,
        Some("invalid-yaml"),
    ));
    let mut odd = vec![0xFF, 0xFE];
    odd.extend(le(secret));
    odd.push(b'A');
    v.push(("utf16-odd-byte.yaml".into(), odd, Some("invalid-yaml")));
    v
}

#[test]
fn hostile_inputs_end_in_bounded_time_and_memory_beside_a_good_file() {
    let tmp = tempfile::tempdir().unwrap();
    // ONUS_KEEP_HOSTILE=DIR writes the inputs there instead, to reproduce a case by hand.
    let dir: PathBuf = std::env::var_os("ONUS_KEEP_HOSTILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.yaml");
    std::fs::write(&good, GOOD).unwrap();
    let cases: Vec<(String, PathBuf, Option<&str>)> = cases()
        .into_iter()
        .map(|(name, bytes, rule)| {
            let p = dir.join(&name);
            std::fs::write(&p, bytes).unwrap();
            (name, p, rule)
        })
        .collect();
    // Two at a time: the machine has two cores, and the bound is per case.
    std::thread::scope(|s| {
        for half in cases.chunks(cases.len().div_ceil(2)) {
            let good = &good;
            s.spawn(move || {
                for (name, path, rule) in half {
                    let t = Instant::now();
                    // The pods × policies case measures the policy index, not a flood of
                    // findings of every container rule on 16k pods: network rules only.
                    let flags: &[&str] = if name.starts_with("pods-and-policies") {
                        &["--select", "2.3,3.1.5"]
                    } else {
                        &[]
                    };
                    let o = check_with(name, &[good.as_path(), path.as_path()], flags);
                    eprintln!(
                        "{name}: {:.2} s, children's peak so far {} MB",
                        t.elapsed().as_secs_f64(),
                        children_peak_mb()
                    );
                    assert!(o.code == 1, "{name}: exit {} ({})", o.code, o.stderr);
                    assert!(
                        rules_in(&o.report, "good.yaml").contains(&"host-network".into()),
                        "{name}: the good file's finding is missing"
                    );
                    if let Some(rule) = rule {
                        assert!(
                            rules_in(&o.report, name).iter().any(|r| r == rule),
                            "{name}: no {rule} finding"
                        );
                    }
                }
            });
        }
    });
    #[cfg(unix)]
    assert_children_memory();
}

/// The largest peak RSS of the children waited for so far (0 where unknown).
fn children_peak_mb() -> i64 {
    #[cfg(unix)]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
        assert_eq!(rc, 0);
        usage.ru_maxrss / 1024
    }
    #[cfg(not(unix))]
    0
}

#[cfg(unix)]
fn assert_children_memory() {
    let peak_mb = children_peak_mb();
    assert!(
        peak_mb < MEMORY_MB,
        "a hostile input took {peak_mb} MB (bound {MEMORY_MB} MB)"
    );
}

#[test]
fn duplicate_keys_are_listed_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dups.yaml");
    std::fs::write(
        &p,
        format!(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata:\n{}",
            "  a: v\n".repeat(1000)
        ),
    )
    .unwrap();
    let o = check("dups", &[p.as_path()]);
    let messages: Vec<&str> = o
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "invalid-manifest")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(
        messages[3].starts_with("996 more duplicate keys"),
        "{messages:?}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, GOOD).unwrap();
    let walked = dir.path().join("walked");
    std::fs::create_dir(&walked).unwrap();
    std::fs::write(walked.join("good.yaml"), GOOD).unwrap();
    for fifo in [dir.path().join("named.yaml"), walked.join("pipe.yaml")] {
        let status = Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo unavailable: skipped");
            return;
        }
    }
    // Named: a run error (exit 2), the other file still linted.
    let o = check(
        "named fifo",
        &[dir.path().join("named.yaml").as_path(), &good],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("named.yaml: a FIFO"), "{}", o.stderr);
    assert!(rules_in(&o.report, "good.yaml").contains(&"host-network".into()));
    assert!(o.report.errors[0].contains("FIFO"));
    // Walked: skipped, with the reason.
    let o = check("walked fifo", &[walked.as_path()]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let skipped = &o.report.skipped[0];
    assert!(skipped.file.ends_with("pipe.yaml"));
    assert!(skipped.reason.contains("FIFO"));
    assert_eq!(o.report.summary.skipped_documents, 1);
}
