//! What kustomization files say about the other files of the set: which files are
//! patches (fragments, not objects), and which namespace `kustomize build` gives the
//! objects of each file. Only files of the linted set are followed; nothing is fetched.

use crate::yaml::{Document, NodeRef};
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

#[derive(Default)]
pub struct Kustomize<'a> {
    /// Files used as patches: their documents are fragments, skipped like non-objects.
    pub patches: HashSet<usize>,
    /// Namespace set by a kustomization on the objects of a file.
    pub namespaces: HashMap<usize, &'a str>,
    /// What a kustomization asks for that onus does not read: (its file, the node, why).
    /// Said, never dropped silently.
    pub unsupported: Vec<(usize, NodeRef<'a>, String)>,
    /// Directories of the kustomizations no other one of the set includes (components
    /// aside), sorted: each is rendered as one set.
    pub roots: Vec<PathBuf>,
}

/// `a/./b/../c.yaml` → `a/c.yaml`, lexically (the files may not share a root): `..` cancels
/// a name before it, never another `..` (`../../a` stays), and nothing above the root.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The directory of a kustomization file, as `analyse` names it.
pub fn dir_of(name: &str) -> PathBuf {
    normalize(Path::new(name).parent().unwrap_or(Path::new("")))
}

/// A path as `normalize` writes paths, told by its bytes: names between single slashes (a
/// leading one for an absolute path), none of them `.`, and `..` only at the start of a
/// relative path (which `normalize` keeps: `../x`, as discovery names the files of
/// `onus check ../dir`).
fn is_clean(bytes: &[u8]) -> bool {
    let (names, up) = match bytes.strip_prefix(b"/") {
        Some(rest) => (rest, false),
        None => (bytes, true),
    };
    let mut up = up;
    !names.is_empty()
        && names.split(|&c| c == b'/').all(|n| {
            up &= n == b"..";
            up || (!n.is_empty() && n != b"." && n != b"..")
        })
}

/// The bytes of `normalize`'s form of a path when they are in the name already: the name
/// without its leading `./`s, when the rest is clean.
fn clean_form(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes;
    while let Some(r) = rest.strip_prefix(b"./") {
        rest = r;
    }
    // `.//a` is `a`, not `/a`.
    let stripped = rest.len() < bytes.len();
    (!(stripped && rest.starts_with(b"/")) && is_clean(rest)).then_some(rest)
}

struct Kust<'a> {
    dir: PathBuf,
    component: bool,
    namespace: Option<&'a str>,
    resources: Vec<PathBuf>,
}

fn strings<'a>(node: Option<NodeRef<'a>>) -> impl Iterator<Item = &'a str> {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter_map(|i| i.as_str())
}

/// `files`: (file index, name as given, its documents).
/// Whether a file has one of the names kustomize looks for in a directory.
pub fn has_kustomization_name(name: &str) -> bool {
    Path::new(name)
        .file_name()
        .and_then(|f| f.to_str())
        .is_some_and(|f| crate::render::build::KUSTOMIZATION_FILES.contains(&f))
}

/// A kustomization (or Component): with its apiVersion and kind, or without either (still
/// common, and kustomize accepts it) in a file with a kustomization's name.
pub fn is_kustomization(name: &str, root: NodeRef) -> bool {
    let group = root
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let kind = root.get("kind").and_then(|v| v.as_str());
    let named = has_kustomization_name(name);
    (group.starts_with("kustomize.config.k8s.io/")
        && matches!(kind, Some("Kustomization" | "Component")))
        || (named && group.is_empty() && kind.is_none() && root.is_map())
}

pub fn analyse<'a>(files: &[(usize, &str, &'a [Document])]) -> Kustomize<'a> {
    // Keyed by the bytes of each path in its clean form (what `normalize` gives; names as
    // discovery gives them mostly are, only the others are normalised): hashing a `Path`
    // walks its components, and this map holds every file of the run.
    let mut by_path: HashMap<std::borrow::Cow<[u8]>, usize> = HashMap::with_capacity(files.len());
    for (i, name, _) in files {
        let key = if let Some(clean) = clean_form(name.as_bytes()) {
            std::borrow::Cow::Borrowed(clean)
        } else {
            std::borrow::Cow::Owned(
                normalize(Path::new(*name))
                    .into_os_string()
                    .into_encoded_bytes(),
            )
        };
        by_path.insert(key, *i);
    }
    let mut result = Kustomize::default();
    // Kustomizations by directory.
    // Keyed by the bytes of each directory (hashing a `PathBuf` walks its components).
    let mut kusts: HashMap<OsString, Kust<'a>> = HashMap::new();
    for (file, name, docs) in files {
        for doc in docs.iter() {
            let Some(root) = NodeRef::root(doc) else {
                continue;
            };
            if !is_kustomization(name, root) {
                continue;
            }
            let dir = normalize(Path::new(name).parent().unwrap_or(Path::new("")));
            let rel = |p: &str| normalize(&dir.join(p));
            let mut patch_paths: Vec<PathBuf> = strings(root.get("patchesStrategicMerge"))
                .filter(|p| !p.contains('\n'))
                .map(rel)
                .collect();
            for key in ["patches", "patchesJson6902"] {
                for p in root.get(key).into_iter().flat_map(|n| n.items()) {
                    if let Some(path) = p.get("path").and_then(|v| v.as_str()) {
                        patch_paths.push(rel(path));
                    }
                }
            }
            result.patches.extend(
                patch_paths
                    .iter()
                    .filter_map(|p| by_path.get(p.as_os_str().as_encoded_bytes())),
            );
            // Remote resources, Helm charts and plugins are not fetched or run.
            for key in ["resources", "bases", "components"] {
                for r in root.get(key).into_iter().flat_map(|n| n.items()) {
                    let Some(text) = r.as_str() else { continue };
                    if text.contains("://")
                        || text.starts_with("git@")
                        || text.starts_with("github.com/")
                    {
                        result.unsupported.push((
                            *file,
                            r,
                            format!("a remote resource `{text}` of a kustomization: not fetched, its objects are not linted"),
                        ));
                    }
                }
            }
            for (key, what) in [
                ("helmCharts", "a Helm chart generator"),
                ("helmChartInflationGenerator", "a Helm chart generator"),
                ("generators", "a generator plugin"),
                ("transformers", "a transformer plugin"),
                ("validators", "a validator plugin"),
            ] {
                if let Some((k, v)) = root.entry(key)
                    && !v.is_null()
                {
                    result.unsupported.push((
                        *file,
                        k,
                        format!("{what} (`{key}`) of a kustomization: not run, what it makes is not linted"),
                    ));
                }
            }
            let resources = ["resources", "bases", "components"]
                .iter()
                .flat_map(|k| strings(root.get(k)))
                .filter(|r| !r.contains("://"))
                .map(rel)
                .collect();
            let namespace = root
                .get("namespace")
                .and_then(|n| n.as_str())
                .filter(|n| !n.is_empty());
            kusts.insert(
                dir.clone().into_os_string(),
                Kust {
                    dir,
                    component: root.get("kind").and_then(|k| k.as_str()) == Some("Component"),
                    namespace,
                    resources,
                },
            );
        }
    }
    // Depth of each kustomization below the ones nobody includes.
    let included: HashSet<&OsStr> = kusts
        .values()
        .flat_map(|k| k.resources.iter().map(|r| r.as_os_str()))
        .collect();
    result.roots = kusts
        .values()
        .filter(|k| !k.component && !included.contains(k.dir.as_os_str()))
        .map(|k| k.dir.clone())
        .collect();
    result.roots.sort();
    let mut depth: HashMap<&OsStr, usize> = HashMap::new();
    let mut queue: Vec<&OsStr> = kusts
        .keys()
        .map(|d| d.as_os_str())
        .filter(|d| !included.contains(d))
        .collect();
    let mut level = 0;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for d in queue {
            if depth.contains_key(d) {
                continue;
            }
            depth.insert(d, level);
            if let Some(k) = kusts.get(d) {
                next.extend(
                    k.resources
                        .iter()
                        .map(|r| r.as_os_str())
                        .filter(|r| kusts.contains_key(*r)),
                );
            }
        }
        queue = next;
        level += 1;
    }
    // Push each namespace down its resources, outermost first: `kustomize build` applies
    // an including kustomization's namespace over the included one's.
    let mut order: Vec<&Kust> = kusts.values().collect();
    let depth_of = |k: &Kust| depth.get(k.dir.as_os_str()).copied().unwrap_or(usize::MAX);
    order.sort_by(|a, b| {
        depth_of(a)
            .cmp(&depth_of(b))
            .then_with(|| a.dir.cmp(&b.dir))
    });
    for k in order {
        let Some(ns) = k.namespace else { continue };
        let mut stack: Vec<&OsStr> = k.resources.iter().map(|r| r.as_os_str()).collect();
        let mut seen: HashSet<&OsStr> = HashSet::new();
        while let Some(p) = stack.pop() {
            if !seen.insert(p) {
                continue;
            }
            if let Some(file) = by_path.get(p.as_encoded_bytes()) {
                result.namespaces.entry(*file).or_insert(ns);
            } else if let Some(child) = kusts.get(p) {
                stack.extend(child.resources.iter().map(|r| r.as_os_str()));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::{clean_form, is_clean, normalize};
    use std::path::Path;

    #[test]
    fn a_clean_path_is_what_normalize_writes_and_others_are_not() {
        for p in [
            "a",
            "a/b.yaml",
            "/a/b",
            "../a",
            "a/../b",
            "./a",
            "a/./b",
            "a//b",
            "a/",
            "/",
            ".",
            "..",
            "",
            "a/.b",
            "a/..b",
            ".a/b",
            "x/.../y",
            "../../a/b",
            "../a/..",
            "../",
            "/..",
            "/../a",
            "..a/b",
            "../.../x",
            "./../a",
            "././a/b",
            ".//a",
            "./",
            "../a/./b",
            "../..",
            "a/..",
            "../a//b",
            ".././a",
        ] {
            let normal = normalize(Path::new(p));
            let normal_bytes = normal.as_os_str().as_encoded_bytes();
            let same = normal_bytes == p.as_bytes();
            if is_clean(p.as_bytes()) {
                assert!(same, "{p:?} is clean but normalizes to {normal:?}");
            }
            if let Some(clean) = clean_form(p.as_bytes()) {
                assert_eq!(clean, normal_bytes, "{p:?}");
            }
            // Lookups are by what normalize gives: it gives it again.
            assert_eq!(normalize(&normal), normal, "{p:?}");
        }
        // The names discovery gives take the short way (no path built for each file).
        for p in [
            "a/b", "../a/b", "../../a", "./a/b", "././../a", "/a/b", "..",
        ] {
            assert!(clean_form(p.as_bytes()).is_some(), "{p:?}");
        }
    }
}
