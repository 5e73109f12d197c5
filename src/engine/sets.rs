//! Kustomizations linted as what they deploy: each top-level kustomization of the linted set
//! is rendered (`crate::render`) and its objects linted as one set, with an index of their
//! own; every finding lands on the file and line that wrote the value, whatever file that is
//! (a base, a patch, the kustomization), and a base reached through several overlays gives
//! one finding per place, naming the overlays. A set is rendered, linted and dropped in one
//! go: only its findings and the names of its files outlive it.

use super::{At, Finding, Shared, Skipped, crash_hit, finding, mark_used, object_of};
use crate::index::{Gathered, Index};
use crate::render;
use crate::rule::{Cx, Rule};
use crate::source::SourceFile;
use crate::suppress::{self, SuppressionKind};
use crate::yaml::{NodeRef, Span};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the rendered sets give the run.
#[derive(Default)]
pub(super) struct Rendered {
    /// Names of the files whose objects (or fragments, or data) reach a cluster through a
    /// rendered set: linted there, not as written.
    pub members: HashSet<Arc<str>>,
    /// Findings in report order; `file_index` is the run's to set (by `file`).
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Objects linted through sets.
    pub objects: usize,
}

/// One set's outcome.
struct One {
    dir: String,
    members: Vec<Arc<str>>,
    findings: Vec<Finding>,
    skipped: Vec<Skipped>,
    objects: usize,
}

/// The name a report gives a kustomization directory (`.` for the current one).
fn dir_name(dir: &Path) -> String {
    let s = crate::discover::name_of(dir);
    if s.is_empty() { ".".into() } else { s }
}

/// Where a finding is: (file, start, end, rule).
type Place = (Arc<str>, usize, usize, Arc<str>);

/// What every set is linted with.
pub(super) struct Linting<'a> {
    pub rules: &'a [&'a Rule],
    pub shared: &'a [Shared],
    pub settings: &'a super::Settings,
    pub reads: &'a [Vec<String>],
    /// Images Skaffold configs of the run build: (the config's file name, image).
    pub skaffold: Vec<(Arc<str>, String)>,
    /// The trees the run keeps: not read and parsed again.
    pub known: &'a dyn render::build::Known,
    /// Source bytes whose rendered trees the builds share.
    pub cache: usize,
}

/// Render and lint the kustomizations of `roots`.
pub(super) fn lint_sets(roots: &[PathBuf], with: &Linting) -> Rendered {
    let files = render::build::Shared::with_known(with.known, with.cache);
    let ones: Vec<One> = roots
        .par_iter()
        .map(|dir| lint_one(dir, &files, with))
        .collect();
    let mut out = Rendered::default();
    // One finding per place: the same rule at the same bytes from several sets (a base
    // under several overlays) is one finding, the first set's, naming them all.
    let mut by_place: BTreeMap<Place, (Finding, Vec<String>)> = BTreeMap::new();
    for one in ones {
        out.objects += one.objects;
        out.members.extend(one.members);
        out.skipped.extend(one.skipped);
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

fn not_rendered(dir: &Path, why: &str) -> Skipped {
    let file = render::build::kustomization_file(dir)
        .map(|p| crate::discover::name_of(&p))
        .unwrap_or_else(|| dir_name(dir));
    Skipped {
        file,
        line: None,
        kind: Some("Kustomization".into()),
        reason: format!("not rendered ({why}): the files it names are linted as written"),
    }
}

fn lint_one(dir: &Path, files: &render::build::Shared, with: &Linting) -> One {
    let mut one = One {
        dir: dir_name(dir),
        members: Vec::new(),
        findings: Vec::new(),
        skipped: Vec::new(),
        objects: 0,
    };
    let set = match catch_unwind(AssertUnwindSafe(|| render::build::build_with(dir, files))) {
        Ok(Ok(set)) => set,
        Ok(Err(e)) => {
            one.skipped.push(not_rendered(dir, &e.message));
            return one;
        }
        Err(_) => {
            one.skipped
                .push(not_rendered(dir, "internal error; please report it"));
            return one;
        }
    };
    for u in &set.unsupported {
        let (file, line) = match set.file(u.origin.file as usize) {
            Some(f) => (f.name.to_string(), Some(f.position(u.origin.span.start).0)),
            None => (one.dir.clone(), None),
        };
        one.skipped.push(Skipped {
            file,
            line,
            kind: Some("Kustomization".into()),
            reason: u.reason.clone(),
        });
    }
    one.members = set.own_files().map(|f| f.name.clone()).collect();
    let caught = catch_unwind(AssertUnwindSafe(|| lint_set(&set, with)));
    match caught {
        Ok((objects, findings)) => {
            one.objects = objects;
            one.findings = findings;
        }
        Err(_) => one.skipped.push(not_rendered(
            dir,
            "internal error while linting it; please report it",
        )),
    }
    one
}

/// Lint a rendered set: its objects, with an index of their own.
fn lint_set(set: &render::Set, with: &Linting) -> (usize, Vec<Finding>) {
    let settings = with.settings;
    let laid = render::lay_out(set);
    // The files rules see (`Cx::files`, `Resource::file`): the set's, by id (a file of the
    // run the set does not read is a name-less stand-in), then the Skaffold configs.
    let none: Arc<SourceFile> = Arc::new(SourceFile::new("", ""));
    let mut files: Vec<Arc<SourceFile>> = set
        .files
        .iter()
        .map(|f| f.clone().unwrap_or_else(|| none.clone()))
        .collect();
    let mut skaffold: Vec<(usize, String)> = Vec::new();
    let mut configs: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, image) in &with.skaffold {
        let at = *configs.entry(name).or_insert_with(|| {
            files.push(Arc::new(SourceFile::new(name.clone(), "")));
            files.len() - 1
        });
        skaffold.push((at, image.clone()));
    }
    // Each object's own file: the one that wrote its root.
    let home = |root: NodeRef| {
        laid.locate(root.span().start)
            .map_or(usize::MAX, |(f, _)| f)
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
    let mut gathered = Gathered::new(with.reads.len());
    for r in &resources {
        gathered.add(r, with.reads);
    }
    gathered.add_skaffold_images(&skaffold);
    let index = Index::build(gathered, with.reads);
    let per_object: Vec<Vec<Finding>> = resources
        .par_iter()
        .map(|res| {
            let pod = crate::pod::PodView::of(res);
            let reference = Arc::new(res.reference());
            let memo = crate::rule::Memo::default();
            let cx = Cx {
                index: &index,
                files: &files,
                pod: pod.as_ref(),
                kube_version: settings.kube_version,
                object_memo: Some(&memo),
            };
            let mut out: Vec<Finding> = Vec::new();
            for (rule, strings) in with
                .rules
                .iter()
                .zip(with.shared)
                .filter(|(r, _)| r.applies_to(res, pod.is_some()))
            {
                let mut hits = Vec::new();
                let r = catch_unwind(AssertUnwindSafe(|| rule.check.check(&cx, res, &mut hits)));
                if let Err(p) = r {
                    hits = vec![crash_hit(rule, &*p, res.name_span())];
                }
                for h in hits {
                    if let Some(f) = place(rule, strings, h, &laid, set, &reference, res.root) {
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
    let source = set.file(file)?;
    let base = laid.base(file).unwrap_or(0);
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
        // The run's number for the file is set once every set is done.
        file_index: usize::MAX,
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

/// The names of a set of findings' files that are not among `listed`, sorted.
pub(super) fn outside(findings: &[Finding], listed: &dyn Fn(&str) -> bool) -> Vec<Arc<str>> {
    let names: BTreeSet<Arc<str>> = findings
        .iter()
        .filter(|f| !listed(&f.file))
        .map(|f| f.file.clone())
        .collect();
    names.into_iter().collect()
}
