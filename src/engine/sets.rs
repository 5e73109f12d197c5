//! Kustomizations linted as what they deploy: each top-level kustomization of the linted set
//! is rendered (`crate::render`) and its objects linted as one set, with an index of their
//! own; every finding lands on the file and line that wrote the value, whatever file that is
//! (a base, a patch, the kustomization), and a base reached through several overlays gives
//! one finding per place, naming the overlays.

use super::{At, Finding, Shared, Skipped, crash_hit, finding, mark_used, object_of};
use crate::index::{Gathered, Index};
use crate::render;
use crate::rule::{Cx, Rule};
use crate::source::SourceFile;
use crate::suppress::{self, SuppressionKind};
use crate::yaml::{NodeRef, Span};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the rendered sets give the run.
#[derive(Default)]
pub(super) struct Rendered {
    /// Names of the files whose objects (or fragments, or data) reach a cluster through a
    /// rendered set: linted there, not as written.
    pub members: HashSet<Arc<str>>,
    /// Findings, in report order (file names first): `file_index` is still to be set.
    pub findings: Vec<Finding>,
    /// Files read by a set that the run does not list (outside the linted paths).
    pub files: BTreeMap<Arc<str>, Arc<SourceFile>>,
    pub skipped: Vec<Skipped>,
    /// Objects linted through sets.
    pub objects: usize,
}

/// Where a finding is: (file, start, end, rule).
type Place = (Arc<str>, usize, usize, Arc<str>);

/// One set's outcome.
struct One {
    dir: String,
    findings: Vec<Finding>,
    files: Vec<Arc<SourceFile>>,
    members: Vec<Arc<str>>,
    skipped: Vec<Skipped>,
    objects: usize,
}

/// The name a report gives a kustomization directory (`.` for the current one).
fn dir_name(dir: &Path) -> String {
    let s = crate::discover::name_of(dir);
    if s.is_empty() { ".".into() } else { s }
}

pub(super) fn lint_sets(
    roots: &[PathBuf],
    rules: &[&Rule],
    shared: &[Shared],
    settings: &super::Settings,
    reads: &[Vec<String>],
) -> Rendered {
    let ones: Vec<One> = roots
        .par_iter()
        .map(|dir| lint_one(dir, rules, shared, settings, reads))
        .collect();
    let mut out = Rendered::default();
    // One finding per place: the same rule at the same bytes from several sets (a base
    // under several overlays) is one finding, the first set's, naming them all.
    let mut by_place: BTreeMap<Place, (Finding, Vec<String>)> = BTreeMap::new();
    for one in ones {
        out.objects += one.objects;
        out.members.extend(one.members);
        out.skipped.extend(one.skipped);
        for f in one.files {
            out.files.entry(f.name.clone()).or_insert(f);
        }
        for f in one.findings {
            let key = (f.file.clone(), f.span.start, f.span.end, f.rule.clone());
            by_place
                .entry(key)
                .or_insert_with(|| (f, Vec::new()))
                .1
                .push(one.dir.clone());
        }
    }
    out.findings = by_place
        .into_values()
        .map(|(mut f, dirs)| {
            // Named when it is not plain: the place is outside the kustomization's own
            // directory (a base), or several kustomizations render it.
            let own = dirs.len() == 1
                && dirs
                    .first()
                    .is_some_and(|d| d == "." || Path::new(&*f.file).starts_with(d));
            if !own {
                f.message = format!(
                    "{} (as rendered by {} {})",
                    f.message,
                    if dirs.len() == 1 {
                        "kustomization"
                    } else {
                        "kustomizations"
                    },
                    dirs.join(", ")
                );
            }
            f
        })
        .collect();
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

fn skipped_at(
    set: Option<&render::Set>,
    origin: render::tree::Origin,
    fallback: &str,
) -> (String, Option<usize>) {
    match set.and_then(|s| s.files.get(origin.file as usize)) {
        Some(f) => (f.name.to_string(), Some(f.position(origin.span.start).0)),
        None => (fallback.to_string(), None),
    }
}

fn lint_one(
    dir: &Path,
    rules: &[&Rule],
    shared: &[Shared],
    settings: &super::Settings,
    reads: &[Vec<String>],
) -> One {
    let name = dir_name(dir);
    let kfile = render::build::kustomization_file(dir)
        .map(|p| crate::discover::name_of(&p))
        .unwrap_or_else(|| name.clone());
    let mut one = One {
        dir: name,
        findings: Vec::new(),
        files: Vec::new(),
        members: Vec::new(),
        skipped: Vec::new(),
        objects: 0,
    };
    let set = match catch_unwind(AssertUnwindSafe(|| render::build(dir))) {
        Ok(Ok(set)) => set,
        Ok(Err(e)) => {
            one.skipped.push(Skipped {
                file: kfile,
                line: None,
                kind: Some("Kustomization".into()),
                reason: format!(
                    "not rendered ({}): the files it names are linted as written",
                    e.message
                ),
            });
            return one;
        }
        Err(_) => {
            one.skipped.push(Skipped {
                file: kfile,
                line: None,
                kind: Some("Kustomization".into()),
                reason: "not rendered (internal error; please report it): the files it names \
                         are linted as written"
                    .into(),
            });
            return one;
        }
    };
    for u in &set.unsupported {
        let (file, line) = skipped_at(Some(&set), u.origin, &kfile);
        one.skipped.push(Skipped {
            file,
            line,
            kind: Some("Kustomization".into()),
            reason: u.reason.clone(),
        });
    }
    one.members = set.files.iter().map(|f| f.name.clone()).collect();
    let laid = render::lay_out(&set);
    // Each object's own file: the one that wrote its root.
    let home = |root: NodeRef| laid.locate(root.span().start).map_or(0, |(f, _)| f);
    let mut resources = Vec::new();
    for doc in &laid.documents {
        let Some(root) = NodeRef::root(doc) else {
            continue;
        };
        match object_of(
            home(root),
            root,
            (settings.default_namespace.as_str(), None),
            false,
            None,
        ) {
            Ok(mut r) => {
                r.ordinal = resources.len();
                resources.push(r);
            }
            Err((node, kind, reason)) => {
                let origin = laid.locate(node.span().start);
                let (file, line) =
                    match origin.and_then(|(f, at)| set.files.get(f).map(|s| (s, at))) {
                        Some((s, at)) => (s.name.to_string(), Some(s.position(at).0)),
                        None => (kfile.clone(), None),
                    };
                one.skipped.push(Skipped {
                    file,
                    line,
                    kind: kind.map(str::to_string),
                    reason,
                });
            }
        }
    }
    one.objects = resources.len();
    let mut gathered = Gathered::new(reads.len());
    for r in &resources {
        gathered.add(r, reads);
    }
    let index = Index::build(gathered, reads);
    let per_object: Vec<Vec<Finding>> = resources
        .par_iter()
        .map(|res| {
            let pod = crate::pod::PodView::of(res);
            let reference = Arc::new(res.reference());
            let memo = crate::rule::Memo::default();
            let cx = Cx {
                index: &index,
                files: &set.files,
                pod: pod.as_ref(),
                kube_version: settings.kube_version,
                object_memo: Some(&memo),
            };
            let mut out: Vec<Finding> = Vec::new();
            for (rule, strings) in rules
                .iter()
                .zip(shared)
                .filter(|(r, _)| r.applies_to(res, pod.is_some()))
            {
                let mut hits = Vec::new();
                let r = catch_unwind(AssertUnwindSafe(|| rule.check.check(&cx, res, &mut hits)));
                if let Err(p) = r {
                    hits = vec![crash_hit(rule, &*p, res.name_span())];
                }
                for h in hits {
                    if let Some(f) = place(rule, strings, h, &laid, &set, &reference, res.root) {
                        out.push(f);
                    }
                }
            }
            // `onus.dev/ignore` annotations of the rendered object mark its findings.
            let mut annotations: Vec<(suppress::Suppression, Vec<bool>)> =
                suppress::annotations(res)
                    .into_iter()
                    .map(|a| {
                        let used = vec![false; a.rules.len()];
                        (a, used)
                    })
                    .collect();
            for f in &mut out {
                for (a, used) in &mut annotations {
                    if mark_used(a, used, &f.rule) && f.suppressed.is_none() {
                        f.suppressed = Some(a.mark(SuppressionKind::Annotation));
                    }
                }
            }
            out
        })
        .collect();
    one.findings = per_object.into_iter().flatten().collect();
    one.files = set.files.clone();
    one
}

/// A finding of a rendered object, moved from the set's laid-out text to the file and bytes
/// that wrote it. Related places in other files than the finding's are left out (a related
/// span is read in the finding's file).
fn place(
    rule: &Rule,
    strings: &Shared,
    mut hit: crate::rule::Hit,
    laid: &render::Laid,
    set: &render::Set,
    reference: &Arc<crate::finding::ResourceRef>,
    root: NodeRef,
) -> Option<Finding> {
    let path = crate::path::path_to(root, hit.span);
    let (file, start) = laid.locate(hit.span.start)?;
    let source = set.files.get(file)?;
    let base = laid.bases.get(file).copied().unwrap_or(0);
    let local = |s: Span| -> Option<Span> {
        let end = s.end.checked_sub(base)?.min(source.text.len());
        let start = s.start.checked_sub(base)?;
        (start <= source.text.len()).then(|| Span::new(start, end))
    };
    hit.span = local(hit.span).unwrap_or(Span::new(start, start));
    hit.related = std::mem::take(&mut hit.related)
        .into_iter()
        .filter_map(|(s, label)| {
            let (f, _) = laid.locate(s.start)?;
            (f == file).then_some(())?;
            Some((local(s)?, label))
        })
        .collect();
    let at = At {
        file_index: 0,
        source,
        name: source.name.clone(),
    };
    Some(finding(
        rule,
        strings,
        hit,
        &at,
        Some(reference),
        super::Place::Path(path),
    ))
}
