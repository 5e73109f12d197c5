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

/// The top-level kustomizations of the run, rendered (before the run's index is built:
/// the files they reach are then linted through them, not as written).
pub(super) struct Built {
    sets: Vec<(String, render::Set)>,
    /// Names of the files whose objects (or fragments, or data) reach a cluster through a
    /// rendered set: linted there, not as written.
    pub members: HashSet<Arc<str>>,
    pub skipped: Vec<Skipped>,
}

/// What the rendered sets give the run.
#[derive(Default)]
pub(super) struct Rendered {
    /// Findings, in report order (file names first), `file_index` set.
    pub findings: Vec<Finding>,
    /// Objects linted through sets.
    pub objects: usize,
}

/// The name a report gives a kustomization directory (`.` for the current one).
fn dir_name(dir: &Path) -> String {
    let s = crate::discover::name_of(dir);
    if s.is_empty() { ".".into() } else { s }
}

/// Where a finding is: (file, start, end, rule).
type Place = (Arc<str>, usize, usize, Arc<str>);

pub(super) fn build_sets(roots: &[PathBuf]) -> Built {
    let built: Vec<(String, Result<render::Set, Skipped>)> = roots
        .par_iter()
        .map(|dir| (dir_name(dir), build_one(dir)))
        .collect();
    let mut out = Built {
        sets: Vec::new(),
        members: HashSet::new(),
        skipped: Vec::new(),
    };
    for (name, set) in built {
        match set {
            Ok(set) => {
                for u in &set.unsupported {
                    let (file, line) = match set.files.get(u.origin.file as usize) {
                        Some(f) => (f.name.to_string(), Some(f.position(u.origin.span.start).0)),
                        None => (name.clone(), None),
                    };
                    out.skipped.push(Skipped {
                        file,
                        line,
                        kind: Some("Kustomization".into()),
                        reason: u.reason.clone(),
                    });
                }
                out.members.extend(set.files.iter().map(|f| f.name.clone()));
                out.sets.push((name, set));
            }
            Err(s) => out.skipped.push(s),
        }
    }
    out
}

fn build_one(dir: &Path) -> Result<render::Set, Skipped> {
    let kfile = render::build::kustomization_file(dir)
        .map(|p| crate::discover::name_of(&p))
        .unwrap_or_else(|| dir_name(dir));
    let why = match catch_unwind(AssertUnwindSafe(|| render::build(dir))) {
        Ok(Ok(set)) => return Ok(set),
        Ok(Err(e)) => e.message,
        Err(_) => "internal error; please report it".into(),
    };
    Err(Skipped {
        file: kfile,
        line: None,
        kind: Some("Kustomization".into()),
        reason: format!("not rendered ({why}): the files it names are linted as written"),
    })
}

/// The files sets read that the run does not list (outside the linted paths), by name.
pub(super) fn outside_files(built: &Built, listed: &dyn Fn(&str) -> bool) -> Vec<Arc<SourceFile>> {
    let mut out: BTreeMap<Arc<str>, Arc<SourceFile>> = BTreeMap::new();
    for (_, set) in &built.sets {
        for f in &set.files {
            if !listed(&f.name) {
                out.entry(f.name.clone()).or_insert_with(|| f.clone());
            }
        }
    }
    out.into_values().collect()
}

/// Lint every rendered set. `files`: the run's files (the listed ones, then those outside),
/// whose positions findings and objects are given; `global`: the run's index, for what holds
/// for every set (the images Skaffold builds).
#[allow(clippy::too_many_arguments)]
pub(super) fn lint_sets(
    built: Built,
    files: &[Arc<SourceFile>],
    position: &(dyn Fn(&str) -> Option<usize> + Sync),
    global: &Index,
    rules: &[&Rule],
    shared: &[Shared],
    settings: &super::Settings,
    reads: &[Vec<String>],
) -> Rendered {
    let ones: Vec<(String, usize, Vec<Finding>)> = built
        .sets
        .into_par_iter()
        .map(|(name, set)| {
            let (objects, findings) = lint_one(
                &set, files, position, global, rules, shared, settings, reads,
            );
            (name, objects, findings)
        })
        .collect();
    let mut out = Rendered::default();
    // One finding per place: the same rule at the same bytes from several sets (a base
    // under several overlays) is one finding, the first set's, naming them all.
    let mut by_place: BTreeMap<Place, (Finding, Vec<String>)> = BTreeMap::new();
    for (dir, objects, findings) in ones {
        out.objects += objects;
        for f in findings {
            let key = (f.file.clone(), f.span.start, f.span.end, f.rule.clone());
            by_place
                .entry(key)
                .or_insert_with(|| (f, Vec::new()))
                .1
                .push(dir.clone());
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

#[allow(clippy::too_many_arguments)]
fn lint_one(
    set: &render::Set,
    files: &[Arc<SourceFile>],
    position: &(dyn Fn(&str) -> Option<usize> + Sync),
    global: &Index,
    rules: &[&Rule],
    shared: &[Shared],
    settings: &super::Settings,
    reads: &[Vec<String>],
) -> (usize, Vec<Finding>) {
    // Each file of the set by its position in the run.
    let run_file: Vec<usize> = set
        .files
        .iter()
        .map(|f| position(&f.name).unwrap_or(usize::MAX))
        .collect();
    let laid = render::lay_out(set);
    // Each object's own file: the one that wrote its root.
    let home = |root: NodeRef| {
        laid.locate(root.span().start)
            .and_then(|(f, _)| run_file.get(f).copied())
            .unwrap_or(usize::MAX)
    };
    let mut resources = Vec::new();
    for doc in &laid.documents {
        let Some(root) = NodeRef::root(doc) else {
            continue;
        };
        // Kustomize's output holds objects only (the renderer refuses other documents);
        // tool configuration among them is left out, as in a file.
        if let Ok(mut r) = object_of(
            home(root),
            root,
            (settings.default_namespace.as_str(), None),
            false,
            None,
        ) {
            r.ordinal = resources.len();
            resources.push(r);
        }
    }
    let mut gathered = Gathered::new(reads.len());
    for r in &resources {
        gathered.add(r, reads);
    }
    gathered.add_skaffold_images(&global.skaffold_images);
    let index = Index::build(gathered, reads);
    let per_object: Vec<Vec<Finding>> = resources
        .par_iter()
        .map(|res| {
            let pod = crate::pod::PodView::of(res);
            let reference = Arc::new(res.reference());
            let memo = crate::rule::Memo::default();
            let cx = Cx {
                index: &index,
                files,
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
                    if let Some(f) = place(
                        rule, strings, h, &laid, set, &run_file, &reference, res.root,
                    ) {
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
    (resources.len(), per_object.into_iter().flatten().collect())
}

/// A finding of a rendered object, moved from the set's laid-out text to the file and bytes
/// that wrote it. Related places in other files than the finding's are left out (a related
/// span is read in the finding's file).
#[allow(clippy::too_many_arguments)]
fn place(
    rule: &Rule,
    strings: &Shared,
    mut hit: crate::rule::Hit,
    laid: &render::Laid,
    set: &render::Set,
    run_file: &[usize],
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
        file_index: run_file.get(file).copied().unwrap_or(usize::MAX),
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
