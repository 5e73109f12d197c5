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
use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the rendered sets give the run (their findings went to the sink).
#[derive(Default)]
pub(super) struct Rendered {
    /// Names of the files whose objects (or fragments, or data) reach a cluster through a
    /// rendered set: linted there, not as written.
    pub members: HashSet<Arc<str>>,
    pub skipped: Vec<Skipped>,
    /// Objects linted through sets.
    pub objects: usize,
    /// Why findings kept on disk could not be read back, if they could not.
    pub failure: Option<String>,
}

/// One set's outcome, findings aside.
struct One {
    members: Vec<Arc<str>>,
    skipped: Vec<Skipped>,
    objects: usize,
}

/// A finding of the store, by its place and set: (file, start, end, rule, set, position).
type Entry = (Arc<str>, usize, usize, Arc<str>, usize, usize);

/// The name a report gives a kustomization directory (`.` for the current one).
fn dir_name(dir: &Path) -> String {
    let s = crate::discover::name_of(dir);
    if s.is_empty() { ".".into() } else { s }
}

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

/// Render and lint the kustomizations of `roots`; hand their findings to `sink` in place
/// order (file, bytes, rule). Each set's findings go to a store (memory, then disk) as the
/// set is done, with an index of their places: a large set of kustomizations holds about 50
/// bytes a finding, whatever it finds.
pub(super) fn lint_sets(
    roots: &[PathBuf],
    with: &Linting,
    sink: &mut dyn FnMut(Finding),
) -> Rendered {
    let files = render::build::Shared::with_known(with.known, with.cache);
    let kept = std::sync::Mutex::new((crate::store::Store::new(STORE_BYTES), Vec::<Entry>::new()));
    let ones: Vec<One> = roots
        .par_iter()
        .enumerate()
        .map(|(set, dir)| {
            let (one, findings) = lint_one(dir, &files, with);
            let mut guard = kept.lock().unwrap_or_else(|p| p.into_inner());
            let (store, index) = &mut *guard;
            for f in findings {
                index.push((
                    f.file.clone(),
                    f.span.start,
                    f.span.end,
                    f.rule.clone(),
                    set,
                    store.len(),
                ));
                store.push(f);
            }
            one
        })
        .collect();
    let (store, mut index) = kept.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut out = Rendered::default();
    for one in ones {
        out.objects += one.objects;
        out.members.extend(one.members);
        out.skipped.extend(one.skipped);
    }
    // One finding per place: the same rule at the same bytes from several sets (a base
    // under several overlays) is one finding, the first set's, naming them all.
    index.sort_unstable_by(|a, b| (&a.0, a.1, a.2, &a.3, a.4).cmp(&(&b.0, b.1, b.2, &b.3, b.4)));
    let mut at = 0;
    while let Some(first) = index.get(at) {
        let mut end = at + 1;
        while index
            .get(end)
            .is_some_and(|e| (&e.0, e.1, e.2, &e.3) == (&first.0, first.1, first.2, &first.3))
        {
            end += 1;
        }
        let mut dirs: Vec<String> = Vec::new();
        for e in index.get(at..end).unwrap_or_default() {
            if let Some(root) = roots.get(e.4) {
                let d = dir_name(root);
                if !dirs.contains(&d) {
                    dirs.push(d);
                }
            }
        }
        if let Some(mut f) = store.get(first.5) {
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
            sink(f);
        }
        at = end;
    }
    out.failure = store.failure();
    out
}

/// Findings of sets kept in memory before the rest goes to disk.
const STORE_BYTES: usize = 1 << 20;

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

fn lint_one(dir: &Path, files: &render::build::Shared, with: &Linting) -> (One, Vec<Finding>) {
    let mut one = One {
        members: Vec::new(),
        skipped: Vec::new(),
        objects: 0,
    };
    let mut findings = Vec::new();
    let set = match catch_unwind(AssertUnwindSafe(|| render::build::build_with(dir, files))) {
        Ok(Ok(set)) => set,
        Ok(Err(e)) => {
            one.skipped.push(not_rendered(dir, &e.message));
            return (one, findings);
        }
        Err(_) => {
            one.skipped
                .push(not_rendered(dir, "internal error; please report it"));
            return (one, findings);
        }
    };
    for u in &set.unsupported {
        let (file, line) = match set.file(u.origin.file as usize) {
            Some(f) => (f.name.to_string(), Some(f.position(u.origin.span.start).0)),
            None => (dir_name(dir), None),
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
        Ok((objects, found)) => {
            one.objects = objects;
            findings = found;
        }
        Err(_) => one.skipped.push(not_rendered(
            dir,
            "internal error while linting it; please report it",
        )),
    }
    (one, findings)
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
