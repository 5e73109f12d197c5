//! From command-line paths to inputs: files, directories (gitignore-aware), globs, stdin.

use crate::engine::{Input, Skipped, read_stdin};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Paths that do not exist or cannot be read: the run exits 2 after linting the rest.
    pub failures: Vec<String>,
    /// Files met while walking and left unread, with the reason (Helm chart templates,
    /// FIFOs, sockets, devices, symlink loops).
    pub skipped: Vec<Skipped>,
    /// Things to say that are not failures (a directory without manifests).
    pub notes: Vec<String>,
}

/// What a file that is not a regular one is, for messages.
pub fn describe_special(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

/// `chart/templates/deployment.yaml` beside a `chart/Chart.yaml`: `helm template` renders
/// it; linted raw, every `{{ }}` would be a YAML error. Named explicitly, it is still read.
pub fn is_helm_template(p: &Path) -> bool {
    // Most paths do not hold the word at all: decided without splitting them.
    memchr::memmem::find(p.as_os_str().as_encoded_bytes(), b"templates").is_some()
        && p.ancestors().skip(1).any(|dir| {
            dir.file_name().is_some_and(|n| n == "templates")
                && dir.parent().is_some_and(|c| c.join("Chart.yaml").is_file())
        })
}

/// `policies/team-label/bad/x.yaml` beside a rule file `policies/team-label.yaml`: a fixture
/// of a team's rule (`onus test-rules`), test data that a directory walk does not lint.
/// Named explicitly, it is still read. Returns the rule's id.
pub fn rule_fixture(p: &Path) -> Option<String> {
    let bytes = p.as_os_str().as_encoded_bytes();
    if memchr::memmem::find(bytes, b"good").is_none()
        && memchr::memmem::find(bytes, b"bad").is_none()
    {
        return None;
    }
    p.ancestors().skip(1).find_map(|dir| {
        let name = dir.file_name()?;
        if name != "good" && name != "bad" {
            return None;
        }
        let rule_dir = dir.parent()?;
        let id = rule_dir.file_name()?.to_str()?;
        let pack = rule_dir.parent()?;
        ["yaml", "yml"].iter().find_map(|ext| {
            let text = std::fs::read_to_string(pack.join(format!("{id}.{ext}"))).ok()?;
            let is_rule = text.lines().any(|l| l.starts_with("check:"))
                && text.lines().any(|l| l.trim_end() == format!("id: {id}"));
            is_rule.then(|| id.to_string())
        })
    })
}

pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| format!("--exclude {p}: {e}"))?;
        b.add(g);
        // `vendor` or `vendor/` also excludes what is below it.
        let trimmed = p.trim_end_matches('/');
        if !trimmed.contains("**")
            && let Ok(g) = Glob::new(&format!("{trimmed}/**"))
        {
            b.add(g);
        }
    }
    b.build().map_err(|e| e.to_string())
}

/// The name the report gives a file found at `p`.
pub fn name_of(p: &Path) -> String {
    clean(p)
}

fn clean(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

fn is_manifest(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn excluded(set: &GlobSet, p: &Path) -> bool {
    !set.is_empty() && (set.is_match(p) || set.is_match(clean(p)))
}

fn walk(
    root: &Path,
    exclude: &GlobSet,
    found: &mut Found,
    failures: &mut Vec<String>,
    skipped: &mut Vec<Skipped>,
) {
    let ex = exclude.clone();
    let base = root.to_path_buf();
    // `onus check repo --exclude charts` means repo/charts: match below the root too.
    // Symlinked directories are followed; a link back to an ancestor is reported once as
    // skipped, not walked forever.
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |e| {
            let inner = e.path().strip_prefix(&base).unwrap_or(e.path());
            !excluded(&ex, e.path()) && (inner.as_os_str().is_empty() || !excluded(&ex, inner))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let Some(t) = e.file_type() else { continue };
                if t.is_dir() || !is_manifest(e.path()) {
                    continue;
                }
                // A symlink counts as what it points to; anything but a regular file (a
                // FIFO would block the read for good) is skipped and said so.
                let t = if t.is_symlink() {
                    match std::fs::metadata(e.path()) {
                        Ok(m) => m.file_type(),
                        Err(err) => {
                            failures.push(format!("{}: {}", clean(e.path()), describe(&err)));
                            continue;
                        }
                    }
                } else {
                    t
                };
                if t.is_dir() {
                    continue;
                }
                if !t.is_file() {
                    skipped.push(Skipped::file(
                        clean(e.path()),
                        format!("{}, not a regular file: not read", describe_special(t)),
                    ));
                } else if is_helm_template(e.path()) {
                    skipped.push(Skipped::file(
                        clean(e.path()),
                        "a Helm chart template: lint what `helm template` renders".into(),
                    ));
                } else if let Some(id) = rule_fixture(e.path()) {
                    skipped.push(Skipped::file(
                        clean(e.path()),
                        format!("a fixture of rule `{id}`: `onus test-rules` runs it"),
                    ));
                } else {
                    found.insert(e.into_path());
                }
            }
            Err(err) => match loop_of(&err) {
                Some((child, ancestor)) => skipped.push(Skipped::file(
                    clean(&child),
                    format!(
                        "a symlink back to {}, which is being walked: not followed again",
                        clean(&ancestor)
                    ),
                )),
                None => failures.push(walk_error(&err)),
            },
        }
    }
}

/// The (link, ancestor) of a symlink loop met while walking.
fn loop_of(err: &ignore::Error) -> Option<(PathBuf, PathBuf)> {
    match err {
        ignore::Error::Loop { ancestor, child } => Some((child.clone(), ancestor.clone())),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

fn glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The files found so far, each once; each new one is also told to `on_new` (to be read
/// while the walk goes on). Hashed, then put in path order once: a tree of paths compared
/// them component by component at every level (4% of a run's instructions). Keyed by their
/// `order_key`, equal exactly when the paths are and hashed in one go, where a `Path` is
/// hashed component by component (and was twice, to look and to insert).
struct Found<'f> {
    set: HashMap<Vec<u8>, PathBuf>,
    on_new: &'f mut dyn FnMut(&Path),
}

impl Found<'_> {
    fn insert(&mut self, p: PathBuf) -> bool {
        match self.set.entry(order_key(&p)) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                (self.on_new)(&p);
                slot.insert(p);
                true
            }
        }
    }

    fn len(&self) -> usize {
        self.set.len()
    }

    /// The files in `Path` order.
    fn into_sorted(self) -> Vec<PathBuf> {
        let mut files: Vec<(Vec<u8>, PathBuf)> = self.set.into_iter().collect();
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        files.into_iter().map(|(_, p)| p).collect()
    }
}

/// Bytes that sort and compare as `Path`s do (component by component, each component's kind
/// first, as `Component`'s order has them): a shorter list of components sorts first, and a
/// component's end (0, which no name holds) before any byte.
fn order_key(p: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
    for c in p.components() {
        let (tag, bytes): (u8, &[u8]) = match c {
            Component::Prefix(x) => (1, x.as_os_str().as_encoded_bytes()),
            Component::RootDir => (2, b""),
            Component::CurDir => (3, b""),
            Component::ParentDir => (4, b""),
            Component::Normal(n) => (5, n.as_encoded_bytes()),
        };
        key.push(tag);
        key.extend_from_slice(bytes);
        key.push(0);
    }
    key
}

pub fn discover(paths: &[String], exclude: &GlobSet, stdin: Stdin) -> Discovered {
    discover_with(paths, exclude, stdin, &mut |_| {})
}

/// How standard input (`-`) is read.
#[derive(Clone, Copy, Debug)]
pub struct Stdin<'a> {
    /// The name the report gives it (`--stdin-filename`), else `-`.
    pub name: Option<&'a str>,
    /// From this size on it is spooled to a temporary file, not held in memory (the size
    /// from which files are read in windows).
    pub spool_from: usize,
}

/// `discover`, telling `on_new` each file as it is found (its name as the report gives it
/// is `name_of`).
pub fn discover_with(
    paths: &[String],
    exclude: &GlobSet,
    stdin: Stdin,
    on_new: &mut dyn FnMut(&Path),
) -> Discovered {
    let mut found = Found {
        set: HashMap::new(),
        on_new,
    };
    let mut failures = Vec::new();
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    let paths: Vec<String> = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths.to_vec()
    };
    for arg in &paths {
        if arg == "-" {
            let name = stdin.name.unwrap_or("-").to_string();
            match read_stdin(name, stdin.spool_from) {
                Ok(input) => inputs.push(input),
                Err(e) => failures.push(format!("standard input: {e}")),
            }
            continue;
        }
        let path = Path::new(arg);
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                let before = (found.len(), skipped.len());
                walk(path, exclude, &mut found, &mut failures, &mut skipped);
                if (found.len(), skipped.len()) == before {
                    notes.push(format!(
                        "no manifests found under {arg} (*.yaml, *.yml, *.json{})",
                        if exclude.is_empty() {
                            ""
                        } else {
                            ", minus --exclude"
                        }
                    ));
                }
            }
            Ok(m) if m.is_file() => {
                if !excluded(exclude, path) {
                    found.insert(path.to_path_buf());
                }
            }
            // Named, a FIFO or device is a mistake of the run, never a read that blocks.
            Ok(m) => failures.push(format!(
                "{arg}: {}, not a regular file: onus reads files, directories, globs or `-`",
                describe_special(m.file_type())
            )),
            Err(_) if glob_meta(arg) => {
                match glob(arg, exclude, &mut found, &mut failures, &mut skipped) {
                    Ok(0) => failures.push(format!("{arg}: the pattern matches no file")),
                    Ok(_) => {}
                    Err(e) => failures.push(e),
                }
            }
            Err(e) => failures.push(format!("{arg}: {}", describe(&e))),
        }
    }
    inputs.extend(found.into_sorted().into_iter().map(|p| Input::Path {
        name: clean(&p).into(),
        path: p,
        context: false,
    }));
    // `examples` and `./examples/` name the same files once.
    crate::engine::dedup_inputs(&mut inputs);
    Discovered {
        inputs,
        failures,
        skipped,
        notes,
    }
}

/// A walking error as `path: what`, the path said once (ignore's own message repeats it).
fn walk_error(err: &ignore::Error) -> String {
    let mut inner = err;
    let mut path = None;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert(p.clone());
                inner = err.as_ref();
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner = err.as_ref();
            }
            ignore::Error::Io(e) => {
                return match path {
                    Some(p) => format!("{}: {}", clean(&p), describe(e)),
                    None => describe(e),
                };
            }
            other => return other.to_string(),
        }
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Expand a glob: walk from its literal prefix, keep the files it matches.
fn glob(
    pattern: &str,
    exclude: &GlobSet,
    found: &mut Found,
    failures: &mut Vec<String>,
    skipped: &mut Vec<Skipped>,
) -> Result<usize, String> {
    let matcher = GlobBuilder::new(pattern.strip_prefix("./").unwrap_or(pattern))
        .literal_separator(true)
        .build()
        .map_err(|e| format!("{pattern}: {e}"))?
        .compile_matcher();
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !glob_meta(&c.as_os_str().to_string_lossy()))
        .collect();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    if !base.is_dir() {
        return Err(format!(
            "{pattern}: the pattern matches no file ({} is not a directory)",
            clean(&base)
        ));
    }
    let mut all = BTreeSet::new();
    let skipped_before = skipped.len();
    let ex = exclude.clone();
    let walker = ignore::WalkBuilder::new(&base)
        .require_git(false)
        .filter_entry(move |e| !excluded(&ex, e.path()))
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| !t.is_dir()) => {
                if !matcher.is_match(clean(e.path())) {
                    continue;
                }
                match std::fs::metadata(e.path()) {
                    Ok(m) if m.is_file() => {
                        if let Some(id) = rule_fixture(e.path()) {
                            skipped.push(Skipped::file(
                                clean(e.path()),
                                format!("a fixture of rule `{id}`: `onus test-rules` runs it"),
                            ));
                        } else {
                            all.insert(e.into_path());
                        }
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(m) => skipped.push(Skipped::file(
                        clean(e.path()),
                        format!(
                            "{}, not a regular file: not read",
                            describe_special(m.file_type())
                        ),
                    )),
                    Err(err) => failures.push(format!("{}: {}", clean(e.path()), describe(&err))),
                }
            }
            Ok(_) => {}
            Err(err) => failures.push(walk_error(&err)),
        }
    }
    // Files it matched but skipped (a FIFO) count: the pattern did match.
    let n = all.len() + skipped.len() - skipped_before;
    for p in all {
        found.insert(p);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::order_key;
    use std::path::Path;

    #[test]
    fn order_keys_sort_and_compare_as_paths_do() {
        let paths = [
            "a",
            "a/b",
            "a-b",
            "a.b",
            "a b",
            "ab",
            "a/b/c",
            "a//b",
            "a/./b",
            "a/b/",
            "./a",
            "../a",
            "..",
            ".",
            "/a",
            "/",
            "a/../b",
            "b",
            "A",
            "a/bc",
            "a/b-c",
            "a/b/-",
            "templates/x.yaml",
            "x/.y",
            "x/..y",
            "é/x",
            "a\u{5}b",
            "a\u{1}",
            "a\u{5}",
        ];
        for a in paths {
            for b in paths {
                let (pa, pb) = (Path::new(a), Path::new(b));
                assert_eq!(
                    order_key(pa).cmp(&order_key(pb)),
                    pa.cmp(pb),
                    "{a:?} against {b:?}"
                );
            }
        }
    }
}
