//! Agreement with other linters' own expected verdicts.
//!
//! `../shared/corpus/oracles` holds kube-linter's and gatekeeper-library's test manifests with
//! the verdicts their own test suites assert (see its README). For every check of theirs that
//! means the same as an onus rule, this test runs onus on the fixtures and compares, object by
//! object: an expected FAIL/DENY should be flagged by onus, a PASS/ALLOW should not.
//!
//! Where onus disagrees on purpose, [`REASONS`] says why. The test fails when a disagreement has
//! no reason, when a reason no longer matches any disagreement (stale), when a check pair
//! compares nothing, or when a finding cannot be attributed to an object: it cannot pass
//! vacuously. A reason starting with `BUG:` is a suspected onus bug, recorded until fixed.
//!
//! The oracle files are read in place, never copied; without them the test is skipped.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

const ORACLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/oracles");
const ONUS: &str = env!("CARGO_BIN_EXE_onus");

/// kube-linter check (EXPECTED.tsv `check` column) and the onus rules meaning the same.
const KUBE_LINTER_PAIRS: &[(&str, &[&str])] = &[
    ("sensitive-host-mounts", &["host-path-volume"]),
    ("docker-sock", &["host-path-volume"]),
    ("env-var-secret", &["secret-in-env-literal"]),
    ("host-network", &["host-network"]),
    ("non-isolated-pod", &["missing-network-policy"]),
    ("privileged-container", &["privileged-container"]),
    ("privilege-escalation-container", &["privilege-escalation"]),
    ("run-as-non-root", &["run-as-root"]),
    ("no-read-only-root-fs", &["writable-root-filesystem"]),
    ("drop-net-raw-capability", &["dangerous-capabilities"]),
    ("host-pid", &["host-namespaces"]),
    ("host-ipc", &["host-namespaces"]),
    ("latest-tag", &["image-latest-tag"]),
    ("no-readiness-probe", &["missing-readiness-probe"]),
    ("no-liveness-probe", &["missing-liveness-probe"]),
    ("unset-memory-requirements", &["missing-memory-limit"]),
    ("unset-cpu-requirements", &["missing-resource-requests"]),
    ("cluster-admin-role-binding", &["cluster-admin-binding"]),
    (
        "exposed-services",
        &["node-port-service", "unrestricted-load-balancer"],
    ),
    ("no-anti-affinity", &["missing-topology-spread"]),
    ("job-ttl-seconds-after-finished", &["job-without-ttl"]),
];

/// gatekeeper-library policy (EXPECTED.md `policy` column) and the onus rules meaning the same.
/// An example counts as flagged when any of the rules flags its object.
const GATEKEEPER_PAIRS: &[(&str, &[&str])] = &[
    ("host-filesystem", &["host-path-volume"]),
    ("host-network-ports", &["host-network", "host-port"]),
    ("host-namespaces", &["host-namespaces"]),
    ("privileged-containers", &["privileged-container"]),
    ("allow-privilege-escalation", &["privilege-escalation"]),
    ("read-only-root-filesystem", &["writable-root-filesystem"]),
    ("block-nodeport-services", &["node-port-service"]),
    ("httpsonly", &["ingress-without-tls"]),
    ("verifydeprecatedapi", &["deprecated-api-version"]),
    (
        "requiredprobes",
        &["missing-readiness-probe", "missing-liveness-probe"],
    ),
];

/// The docker-sock fixture's Deployment and DeploymentConfig differ for the same reason.
const DOCKER_SOCK: &str = "kube-linter's docker-sock flags only a hostPath of /var/run/docker.sock \
     (here /var/run/thing.sock); onus flags every hostPath volume, whatever the path: \
     any hostPath keeps data on the node, which is replaced at will \
     (1.1/no-local-persistent-data)";

/// kube-linter's run-as-non-root also fails a root group; onus's rule is about the root user.
const RUN_AS_GROUP_ZERO: &str = "the container runs as uid 1001 with runAsGroup 0; onus's \
     run-as-root is about the root user (uid 0), which rules.md defines, and a root group with \
     a non-root user grants no root privilege (OpenShift-style images use it for shared files) \
     (3.1.6/maintain-security-conditions)";

/// Gatekeeper constraints exempting images by name; onus writes exceptions in the manifest.
const EXEMPT_IMAGES: &str = "the constraint exempts this image by name (exemptImages); onus \
     has no image allow-list: an exception is an `onus.dev/ignore` annotation or an \
     `# onus: ignore` comment with its reason, beside the object, visible in review (and \
     reported when it no longer suppresses anything) (3.1.6/maintain-security-conditions)";

/// Why onus differs: (oracle check, fixture, object `Kind namespace/name`, reason).
/// Fixtures are file names in `kube-linter/`, or `case/example` under the gatekeeper policy.
const REASONS: &[(&str, &str, &str, &str)] = &[
    (
        "job-ttl-seconds-after-finished",
        "job-ttl-seconds-after-finished.yaml",
        "CronJob default/bad-cronjob",
        "onus's job-without-ttl is about Jobs created directly: a CronJob's Jobs are bounded by \
         its successfulJobsHistoryLimit and failedJobsHistoryLimit (3 and 1 by default), so \
         they do not pile up in the control plane (3.2.1/misconfiguration-incidents)",
    ),
    (
        "run-as-non-root",
        "run-as-non-root.yml",
        "Deployment default/group-zero",
        RUN_AS_GROUP_ZERO,
    ),
    (
        "run-as-non-root",
        "run-as-non-root.yml",
        "DeploymentConfig default/group-zero",
        RUN_AS_GROUP_ZERO,
    ),
    (
        "verifydeprecatedapi",
        "verify-1.26/example_allowed.yaml",
        "FlowSchema default/allowed-flowcontrol",
        "the constraint targets Kubernetes 1.26 (k8sVersion), which serves \
         flowcontrol.apiserver.k8s.io/v1beta3; onus targets the newest release it knows unless \
         --kube-version says otherwise, and v1beta3 was removed in 1.32 (with --kube-version \
         1.26 onus does not flag it) (1.1/choose-kubernetes-version)",
    ),
    (
        "verifydeprecatedapi",
        "verify-1.29/example_allowed.yaml",
        "FlowSchema default/allowed-flowcontrol",
        "the constraint lists only the APIs removed in 1.29; flowcontrol v1beta3 was deprecated \
         in 1.29 and removed in 1.32, and onus targets the newest release unless \
         --kube-version says otherwise (at 1.29 it still warns of the deprecation) \
         (1.1/choose-kubernetes-version)",
    ),
    (
        "allow-privilege-escalation",
        "psp-allow-privilege-escalation-container/example_allowed_exempt.yaml",
        "Pod default/nginx-privilege-escalation-disallowed",
        EXEMPT_IMAGES,
    ),
    (
        "privileged-containers",
        "psp-privileged-container/example_allowed_exempt.yaml",
        "Pod default/nginx-privileged-allowed-exempt",
        EXEMPT_IMAGES,
    ),
    (
        "read-only-root-filesystem",
        "psp-readonlyrootfilesystem/example_allowed_exempted.yaml",
        "Pod default/nginx-readonlyrootfilesystem-disallowed",
        EXEMPT_IMAGES,
    ),
    (
        "read-only-root-filesystem",
        "wildcard-prefix/example_allowed_safe_prefix.yaml",
        "Pod default/nginx-readonlyrootfilesystem-allowed",
        EXEMPT_IMAGES,
    ),
    (
        "docker-sock",
        "docker-sock.yml",
        "Deployment default/dont-fire",
        DOCKER_SOCK,
    ),
    (
        "docker-sock",
        "docker-sock.yml",
        "DeploymentConfig default/dont-fire",
        DOCKER_SOCK,
    ),
    (
        "host-filesystem",
        "psp-host-filesystem/example_allowed.yaml",
        "Pod default/nginx-host-filesystem",
        "the constraint allows read-only hostPaths under /foo (allowedHostPaths \
         [{pathPrefix: /foo, readOnly: true}]) and the volume is /foo/bar; onus has no \
         allow-list of host paths and flags every hostPath volume, read-only or not: \
         any hostPath keeps data on the node, which is replaced at will \
         (1.1/no-local-persistent-data)",
    ),
    (
        "host-network-ports",
        "psp-host-network-ports/example_allowed_in_range.yaml",
        "Pod default/nginx-host-networking-ports-allowed",
        "the constraint allows host ports 80-9000 (min: 80, max: 9000) and the pod binds \
         hostPort 80; onus host-port flags every hostPort, in any range: a host port is \
         reachable on the node's address, outside NetworkPolicy (3.1.5/secure-flows)",
    ),
    (
        "host-network-ports",
        "psp-host-network-ports/example_allowed_no_ports.yaml",
        "Pod default/nginx-host-networking-ports-disallowed",
        "the constraint allows the host network (hostNetwork: true); onus host-network has \
         no such parameter and always flags hostNetwork: true, which bypasses NetworkPolicy \
         (3.1.5/secure-flows)",
    ),
    (
        "host-network-ports",
        "psp-host-network-ports/example_allowed_no_ports_host_network_true.yaml",
        "Pod default/nginx-host-network-true",
        "the constraint allows the host network (hostNetwork: true); onus host-network has \
         no such parameter and always flags hostNetwork: true, which bypasses NetworkPolicy \
         (3.1.5/secure-flows)",
    ),
    (
        "host-network-ports",
        "psp-host-network-ports/example_allowed_out_of_range_exempted.yaml",
        "Pod default/nginx-host-networking-ports-exempted",
        "the constraint allows the host network (hostNetwork: true) and exempts images \
         safeimages.com/* from the 80-9000 port range, so hostPort 9001 passes; onus has \
         neither parameter nor image exemptions: it flags hostNetwork: true (host-network) \
         and every hostPort (host-port), both outside NetworkPolicy (3.1.5/secure-flows)",
    ),
];

/// A test failure whose message keeps its line breaks when printed.
struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure(s)
    }
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Object {
    kind: String,
    /// Effective namespace: `default` when the manifest names none.
    namespace: String,
    name: String,
}

impl Object {
    /// The same object; a cluster-scoped one (onus gives it no namespace) is matched by
    /// kind and name, whatever namespace the oracle's row carries.
    fn is(&self, found: &Object) -> bool {
        self == found
            || (found.namespace.is_empty() && self.kind == found.kind && self.name == found.name)
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// One object of one fixture, with the oracle's verdict.
struct Case {
    /// `kube-linter` or `gatekeeper`.
    source: &'static str,
    check: String,
    rules: &'static [&'static str],
    fixture: String,
    object: Object,
    /// The oracle's word: FAIL, PASS, DENY, ALLOW, UNKNOWN, `?`.
    expected: String,
    /// Some(true) when the oracle expects the object flagged, None when it does not say.
    expect_flag: Option<bool>,
}

/// A finding of onus, reduced to what attribution needs.
struct Found {
    file: String,
    object: Object,
    rule: String,
}

/// Run onus once on `files` with only `rules`, in an empty directory (no `.onus.yaml` applies).
fn run_onus(rules: &[&str], files: &[PathBuf]) -> Result<Vec<Found>, String> {
    let cwd =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let out = Command::new(ONUS)
        .current_dir(cwd.path())
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args([
            "--default-namespace",
            "default",
            "--select",
            &rules.join(","),
        ])
        .args(files)
        .output()
        .map_err(|e| format!("cannot run {ONUS}: {e}"))?;
    let shown = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    if !out.status.success() {
        return Err(format!(
            "onus check --select {} {shown} exited with {}: {}",
            rules.join(","),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("onus check {shown}: the JSON report does not parse: {e}"))?;
    let findings = report["findings"]
        .as_array()
        .ok_or_else(|| format!("onus check {shown}: no `findings` array in the JSON report"))?;
    let text = |v: &Value, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("onus check {shown}: a finding has no string `{what}`"))
    };
    let mut found = Vec::new();
    for f in findings {
        let res = &f["resource"];
        found.push(Found {
            file: text(&f["file"], "file")?,
            rule: text(&f["rule"], "rule")?,
            object: Object {
                kind: text(&res["kind"], "resource.kind")?,
                // null for cluster-scoped kinds: matched by kind and name (`Object::is`).
                namespace: res["namespace"].as_str().unwrap_or("").to_string(),
                name: text(&res["name"], "resource.name")?,
            },
        });
    }
    Ok(found)
}

/// kube-linter: one row per object of each fixture, in EXPECTED.tsv.
fn kube_linter_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let path = dir.join("EXPECTED.tsv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [check, fixture, kind, namespace, name, expected, ..] = cols[..] else {
            return Err(format!(
                "{}:{}: fewer than 6 columns",
                path.display(),
                n + 1
            ));
        };
        let Some((_, rules)) = KUBE_LINTER_PAIRS.iter().find(|(c, _)| *c == check) else {
            continue;
        };
        let expect_flag = match expected {
            "FAIL" => Some(true),
            "PASS" => Some(false),
            "UNKNOWN" => None,
            other => {
                return Err(format!(
                    "{}:{}: unknown verdict {other:?}",
                    path.display(),
                    n + 1
                ));
            }
        };
        cases.push(Case {
            source: "kube-linter",
            check: check.to_string(),
            rules,
            fixture: fixture.to_string(),
            object: Object {
                kind: kind.to_string(),
                namespace: if namespace.is_empty() {
                    "default"
                } else {
                    namespace
                }
                .to_string(),
                name: name.to_string(),
            },
            expected: expected.to_string(),
            expect_flag,
        });
    }
    Ok(cases)
}

/// The objects (kind and name of each document) of a small manifest, read line by line:
/// a top-level `kind:` and the `name:` directly under a top-level `metadata:`.
fn objects_in(text: &str) -> Vec<(String, Option<String>, String)> {
    let mut objects = Vec::new();
    for doc in text.split("\n---") {
        let (mut kind, mut namespace, mut name, mut in_meta) = (None, None, None, false);
        for line in doc.lines() {
            let value = |l: &str, key: &str| {
                l.strip_prefix(key).map(|v| {
                    v.split(" #")
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches('"')
                        .to_string()
                })
            };
            if !line.starts_with(' ') {
                in_meta = line.trim_end() == "metadata:";
                if let Some(k) = value(line, "kind:") {
                    kind = Some(k);
                }
            } else if in_meta && !line.starts_with("   ") {
                if let Some(n) = value(line, "  name:") {
                    name = Some(n);
                } else if let Some(ns) = value(line, "  namespace:") {
                    namespace = Some(ns);
                }
            }
        }
        if let (Some(kind), Some(name)) = (kind, name) {
            objects.push((kind, namespace, name));
        }
    }
    objects
}

/// gatekeeper-library: one row per example in EXPECTED.md; each example is one object.
fn gatekeeper_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let path = dir.join("EXPECTED.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [policy, case, example, expected] = cells[..] else {
            continue;
        };
        let Some((_, rules)) = GATEKEEPER_PAIRS.iter().find(|(p, _)| *p == policy) else {
            continue;
        };
        let expect_flag = match expected {
            "DENY" => Some(true),
            "ALLOW" => Some(false),
            "?" => None,
            other => {
                return Err(format!(
                    "{}:{}: unknown verdict {other:?}",
                    path.display(),
                    n + 1
                ));
            }
        };
        let fixture = format!("{case}/{example}");
        let file = dir.join(policy).join(&fixture);
        let yaml =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let objects = objects_in(&yaml);
        let [(kind, namespace, name)] = &objects[..] else {
            return Err(format!(
                "{}: expected one object in the example, found {}",
                file.display(),
                objects.len()
            ));
        };
        cases.push(Case {
            source: "gatekeeper",
            check: policy.to_string(),
            rules,
            fixture,
            object: Object {
                kind: kind.clone(),
                namespace: namespace.clone().unwrap_or_else(|| "default".into()),
                name: name.clone(),
            },
            expected: expected.to_string(),
            expect_flag,
        });
    }
    Ok(cases)
}

/// For each case, the onus rules that flagged its object. Runs onus once per
/// (check, fixture file) for kube-linter — a fixture is one linted set, so that policies of
/// one fixture never select pods of another — and once per policy for gatekeeper, whose
/// examples are single objects and whose paired rules each look at one object only
/// (a cross-object rule paired with gatekeeper would need one run per example).
fn verdicts(
    cases: &[Case],
    root: &Path,
    one_run_per_fixture: bool,
) -> Result<Vec<BTreeSet<String>>, String> {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        let fixture = if one_run_per_fixture {
            c.fixture.clone()
        } else {
            String::new()
        };
        groups
            .entry((c.check.clone(), fixture))
            .or_default()
            .push(i);
    }
    let mut flagged = vec![BTreeSet::new(); cases.len()];
    for ((check, _), members) in groups {
        let dir = if one_run_per_fixture {
            root.to_path_buf()
        } else {
            root.join(&check)
        };
        let files: BTreeSet<&str> = members.iter().map(|&i| cases[i].fixture.as_str()).collect();
        let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
        let found = run_onus(cases[members[0]].rules, &paths)?;
        for f in found {
            let fixture = files
                .iter()
                .find(|fx| dir.join(fx).to_string_lossy() == f.file)
                .ok_or_else(|| {
                    format!("{check}: onus reported a file it was not given: {}", f.file)
                })?;
            let owners: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| cases[i].fixture == *fixture && cases[i].object.is(&f.object))
                .collect();
            match owners[..] {
                [i] => {
                    flagged[i].insert(f.rule);
                }
                [] => {
                    return Err(format!(
                        "{check} {fixture}: onus flagged {} ({}), which has no row in the oracle",
                        f.object, f.rule
                    ));
                }
                _ => {
                    return Err(format!(
                        "{check} {fixture}: {} names {} rows: findings cannot be attributed",
                        f.object,
                        owners.len()
                    ));
                }
            }
        }
    }
    Ok(flagged)
}

#[derive(Default)]
struct Tally {
    agree: usize,
    disagree: usize,
    skipped: usize,
}

#[test]
#[cfg_attr(not(onus_shared), ignore = "../shared is absent")]
fn agreement_with_other_linters() -> Result<(), Failure> {
    let root = PathBuf::from(ORACLES);
    if !root.is_dir() {
        println!("oracles: skipped, {ORACLES} is absent");
        return Ok(());
    }
    let kl = kube_linter_cases(&root.join("kube-linter"))?;
    let gk = gatekeeper_cases(&root.join("gatekeeper-library"))?;
    let kl_flags = verdicts(&kl, &root.join("kube-linter"), true)?;
    let gk_flags = verdicts(&gk, &root.join("gatekeeper-library"), false)?;

    let pairs = KUBE_LINTER_PAIRS
        .iter()
        .map(|p| ("kube-linter", p))
        .chain(GATEKEEPER_PAIRS.iter().map(|p| ("gatekeeper", p)));
    let all = kl.iter().zip(&kl_flags).chain(gk.iter().zip(&gk_flags));

    let mut tally: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut used = vec![false; REASONS.len()];
    let (mut explained, mut unexplained) = (Vec::new(), Vec::new());
    for (case, rules) in all {
        let t = tally.entry((case.source, case.check.as_str())).or_default();
        let Some(expect) = case.expect_flag else {
            t.skipped += 1;
            continue;
        };
        let flagged = !rules.is_empty();
        if expect == flagged {
            t.agree += 1;
            continue;
        }
        t.disagree += 1;
        let onus = if rules.is_empty() {
            "onus does not flag it".to_string()
        } else {
            format!(
                "onus flags it ({})",
                rules.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        let line = format!(
            "{} {} {}: {} expects {}, {onus}",
            case.check, case.fixture, case.object, case.source, case.expected
        );
        let object = case.object.to_string();
        match REASONS
            .iter()
            .position(|(c, f, o, _)| *c == case.check && *f == case.fixture && *o == object)
        {
            Some(i) => {
                used[i] = true;
                explained.push(format!("  {line}\n      why: {}", REASONS[i].3));
            }
            None => unexplained.push(format!("  {line}")),
        }
    }

    println!("Agreement of onus with other linters' expected verdicts ({ORACLES})");
    println!(
        "{:<12} {:<22} {:<28} {:>5} {:>8} {:>7}",
        "oracle", "check", "onus rules", "agree", "disagree", "skipped"
    );
    let mut empty = Vec::new();
    for (source, (check, rules)) in pairs {
        let t = tally.remove(&(source, *check)).unwrap_or_default();
        println!(
            "{source:<12} {check:<22} {:<28} {:>5} {:>8} {:>7}",
            rules.join(" + "),
            t.agree,
            t.disagree,
            t.skipped
        );
        if t.agree + t.disagree == 0 {
            empty.push(format!("  {source} {check}: no object compared"));
        }
    }
    if !explained.is_empty() {
        println!("\nExplained disagreements:\n{}", explained.join("\n"));
    }
    let bugs: Vec<String> = REASONS
        .iter()
        .filter(|r| r.3.starts_with("BUG:"))
        .map(|(c, f, o, _)| format!("  {c} {f} {o}"))
        .collect();
    if !bugs.is_empty() {
        println!(
            "\nSuspected onus bugs (reasons starting with BUG:):\n{}",
            bugs.join("\n")
        );
    }

    let stale: Vec<String> = REASONS
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((c, f, o, _), _)| format!("  {c} {f} {o}"))
        .collect();
    let mut problems = String::new();
    for (title, list) in [
        (
            "disagreements without a reason in REASONS (investigate, then explain or fix)",
            &unexplained,
        ),
        (
            "stale reasons: these objects no longer disagree (or no longer exist)",
            &stale,
        ),
        ("check pairs that compared nothing", &empty),
    ] {
        if !list.is_empty() {
            problems.push_str(&format!("\n{title}:\n{}\n", list.join("\n")));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure(problems))
    }
}

#[test]
fn object_scan_reads_kind_namespace_and_name() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a # note\n  labels:\n    name: x\n  \
                namespace: ns\nspec:\n  containers:\n  - name: c\n---\nkind: Service\nmetadata:\n  \
                name: \"b\"\n";
    assert_eq!(
        objects_in(text),
        vec![
            ("Pod".to_string(), Some("ns".to_string()), "a".to_string()),
            ("Service".to_string(), None, "b".to_string()),
        ]
    );
}
