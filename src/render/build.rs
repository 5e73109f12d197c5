//! `kustomize build`, natively: a kustomization's resources, components, generators and
//! transformers, in kustomize's order, on trees that keep every node's origin.

use super::generate::{self, Behavior};
use super::patch::{self, Merged};
use super::tree::{self, Node, Origin, Value};
use crate::source::SourceFile;
use crate::yaml::{self, NodeRef, Span};
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The file names kustomize looks for in a directory, in its order.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Kustomizations nested deeper are refused (a cycle is caught before, this bounds a chain).
const MAX_NESTING: usize = 64;

/// What a build gives: the objects, the files they came from (an origin's `file` indexes
/// `files`), what was not rendered, and which files were read as generator data.
#[derive(Default)]
pub struct Set {
    pub objects: Vec<Node>,
    pub files: Vec<Arc<SourceFile>>,
    pub unsupported: Vec<Unsupported>,
    /// Files read as a generator's data (`files:`, `envs:`): data, never manifests.
    pub payloads: BTreeSet<u32>,
    /// Files read as patches.
    pub patches: BTreeSet<u32>,
}

/// Something a kustomization asks for that onus does not do: said, never dropped silently.
#[derive(Debug, Clone)]
pub struct Unsupported {
    pub origin: Origin,
    pub reason: String,
}

/// Why a build failed, and where when a file says it.
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub at: Option<Origin>,
}

impl Error {
    fn new(message: impl Into<String>, at: Option<Origin>) -> Error {
        Error {
            message: message.into(),
            at,
        }
    }
}

type Result<T> = std::result::Result<T, Error>;

/// An object being rendered, with the ids it had before names and namespaces changed
/// (patches and name references find it by any of them).
struct Res {
    node: Node,
    /// (name, namespace) it had, oldest first; the current one is read from `node`.
    ids: Vec<(String, String)>,
    /// A generated ConfigMap or Secret that gets kustomize's name hash at the end.
    hash: bool,
}

impl Res {
    fn new(node: Node) -> Res {
        Res {
            node,
            ids: Vec::new(),
            hash: false,
        }
    }
    fn kind(&self) -> &str {
        self.node.str_at(&["kind"]).unwrap_or("")
    }
    fn api_version(&self) -> &str {
        self.node.str_at(&["apiVersion"]).unwrap_or("")
    }
    fn group(&self) -> &str {
        crate::object::group_of(self.api_version())
    }
    fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or("")
    }
    fn namespace(&self) -> &str {
        self.node.str_at(&["metadata", "namespace"]).unwrap_or("")
    }
    /// Remember the current id before changing it.
    fn remember(&mut self) {
        let id = (self.name().to_string(), self.namespace().to_string());
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
    }
    /// Known by `name` in `namespace` (`None`: any namespace), now or before.
    fn known_as(&self, name: &str, namespace: Option<&str>) -> bool {
        let same_ns = |ns: &str| namespace.is_none_or(|want| ns_eq(ns, want));
        (self.name() == name && same_ns(self.namespace()))
            || self.ids.iter().any(|(n, ns)| n == name && same_ns(ns))
    }
}

/// kustomize reads no namespace and `default` as one.
fn ns_eq(a: &str, b: &str) -> bool {
    fn d(s: &str) -> &str {
        if s.is_empty() { "default" } else { s }
    }
    d(a) == d(b)
}

fn cluster_scoped(kind: &str) -> bool {
    crate::object::CLUSTER_SCOPED.contains(&kind)
}

/// `a/./b/../c` → `a/c`, lexically.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// Is this reference remote (kustomize would fetch it)?
fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@") || s.starts_with("github.com/")
}

/// Render the kustomization of `dir` as `kubectl kustomize dir` would.
pub fn build(dir: &Path) -> Result<Set> {
    let mut r = Renderer::default();
    let dir = normalize(dir);
    let mut list = Vec::new();
    if let Err(e) = r.apply(&dir, &mut list, false) {
        return Err(r.locate(e));
    }
    // Last, as kustomize does: hashes on generated names, then references to new names.
    for res in list.iter_mut().filter(|r| r.hash) {
        if let Some(h) = generate::name_hash(&res.node) {
            let name = format!("{}-{h}", res.name());
            res.remember();
            rename(&mut res.node, name);
        }
    }
    fix_references(&mut list);
    let mut objects: Vec<Node> = list.into_iter().map(|r| r.node).collect();
    sort_legacy(&mut objects);
    Ok(Set {
        objects,
        files: r.files,
        unsupported: r.unsupported,
        payloads: r.payloads,
        patches: r.patches,
    })
}

#[derive(Default)]
struct Renderer {
    files: Vec<Arc<SourceFile>>,
    by_path: HashMap<PathBuf, u32>,
    /// Nodes left to make: aliases are expanded, so a small file could make a huge tree.
    budget: usize,
    unsupported: Vec<Unsupported>,
    payloads: BTreeSet<u32>,
    patches: BTreeSet<u32>,
    /// Kustomizations being rendered (a cycle is an error, as in kustomize).
    visiting: Vec<PathBuf>,
}

/// A file's documents as trees.
struct Docs {
    file: u32,
    roots: Vec<Node>,
}

impl Renderer {
    /// The error's message prefixed with the file, line and column it points at.
    fn locate(&self, e: Error) -> Error {
        let Some(at) = e.at else { return e };
        match self.files.get(at.file as usize) {
            Some(f) if !e.message.starts_with(&*f.name) => {
                let (line, col) = f.position(at.span.start);
                Error::new(format!("{}:{line}:{col}: {}", f.name, e.message), e.at)
            }
            _ => e,
        }
    }

    /// Read a file once per build.
    fn read(&mut self, path: &Path) -> std::result::Result<(u32, Arc<SourceFile>), String> {
        let path = normalize(path);
        if let Some(&i) = self.by_path.get(&path)
            && let Some(s) = self.files.get(i as usize)
        {
            return Ok((i, s.clone()));
        }
        let name: Arc<str> = crate::discover::name_of(&path).into();
        let source = crate::engine::read_source(&path, name)?;
        // Budget of nodes: proportional to what was read, as YAML libraries budget aliases.
        self.budget = self
            .budget
            .saturating_add(4096 + 4 * source.text.len())
            .min(50_000_000);
        let i = u32::try_from(self.files.len()).map_err(|_| "too many files".to_string())?;
        self.files.push(source.clone());
        self.by_path.insert(path, i);
        Ok((i, source))
    }

    /// A YAML file's documents as trees; a syntax error fails the build, as in kustomize.
    fn docs(&mut self, path: &Path, at: Option<Origin>) -> Result<Docs> {
        let (file, source) = self.read(path).map_err(|e| Error::new(e, at))?;
        self.parse(file, &source)
    }

    fn parse(&mut self, file: u32, source: &SourceFile) -> Result<Docs> {
        let stream = yaml::parse_shared(&source.text);
        if let Some(e) = stream.errors.first() {
            let (line, col) = source.position(e.offset);
            return Err(Error::new(
                format!("{}:{line}:{col}: {}", source.name, e.message),
                Some(Origin {
                    file,
                    span: Span::new(e.offset, e.offset),
                }),
            ));
        }
        let mut roots = Vec::new();
        for doc in &stream.documents {
            let Some(root) = NodeRef::root(doc) else {
                continue;
            };
            if root.is_null() {
                continue;
            }
            let node = tree::from_yaml(root, file, &mut self.budget).map_err(|e| {
                Error::new(
                    format!("{}: {}", source.name, e.0),
                    Some(Origin {
                        file,
                        span: root.span(),
                    }),
                )
            })?;
            roots.push(node);
        }
        Ok(Docs { file, roots })
    }

    /// Run the kustomization of `dir` on `list`: its resources are added, then its
    /// components, generators and transformers act on the whole list. A component runs on
    /// the list of the kustomization that names it; a resource directory on a list of its own.
    fn apply(&mut self, dir: &Path, list: &mut Vec<Res>, component: bool) -> Result<()> {
        if self.visiting.iter().any(|d| d == dir) {
            return Err(Error::new(
                format!("cycle: {} includes itself", dir.display()),
                None,
            ));
        }
        if self.visiting.len() >= MAX_NESTING {
            return Err(Error::new(
                format!("kustomizations nested more than {MAX_NESTING} deep"),
                None,
            ));
        }
        let Some(path) = kustomization_file(dir) else {
            return Err(Error::new(
                format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or \
                     'Kustomization' in directory '{}'",
                    dir.display()
                ),
                None,
            ));
        };
        let docs = self.docs(&path, None)?;
        let Some(k) = docs.roots.into_iter().next() else {
            // An empty kustomization renders nothing.
            return Ok(());
        };
        let kind = k.str_at(&["kind"]).unwrap_or("Kustomization");
        if component && kind != "Component" {
            return Err(Error::new(
                format!(
                    "{}: a component must be of kind Component, not {kind}",
                    path.display()
                ),
                Some(k.origin),
            ));
        }
        self.visiting.push(dir.to_path_buf());
        let result = self.apply_kustomization(dir, &k, list);
        self.visiting.pop();
        result
    }

    fn apply_kustomization(&mut self, dir: &Path, k: &Node, list: &mut Vec<Res>) -> Result<()> {
        self.note_unsupported(k);
        for key in ["resources", "bases"] {
            for entry in k.get(key).map(Node::items).unwrap_or_default() {
                self.resource(dir, entry, list)?;
            }
        }
        self.generators(dir, k, list)?;
        // Components run after the resources and generators, before the transformers.
        for entry in k.get("components").map(Node::items).unwrap_or_default() {
            let Some(rel) = entry.as_str() else { continue };
            if is_remote(rel) {
                self.remote(entry, rel);
                continue;
            }
            let sub = normalize(&dir.join(rel));
            if !sub.is_dir() {
                return Err(Error::new(
                    format!("component '{rel}': not a directory"),
                    Some(entry.origin),
                ));
            }
            self.apply(&sub, list, true)
                .map_err(|e| with_origin(e, entry.origin))?;
        }
        self.transformers(dir, k, list)
    }

    fn remote(&mut self, entry: &Node, text: &str) {
        self.unsupported.push(Unsupported {
            origin: entry.origin,
            reason: format!(
                "a remote resource `{text}` of a kustomization: not fetched, its objects are not linted"
            ),
        });
    }

    /// Fields of a kustomization onus does not render: listed, never silently dropped.
    fn note_unsupported(&mut self, k: &Node) {
        for (key, what) in [
            ("helmCharts", "a Helm chart generator"),
            ("helmChartInflationGenerator", "a Helm chart generator"),
            ("helmGlobals", "Helm settings"),
            ("generators", "a generator plugin"),
            ("transformers", "a transformer plugin"),
            ("validators", "a validator plugin"),
            ("vars", "vars"),
            ("configurations", "transformer configurations"),
            ("crds", "CRD field specs"),
            ("openapi", "an OpenAPI schema"),
        ] {
            if let Some((kn, v)) = k.entries().iter().find(|(kn, _)| kn.as_str() == Some(key))
                && !v.is_null()
                && !(v.is_seq() && v.items().is_empty())
            {
                self.unsupported.push(Unsupported {
                    origin: kn.origin,
                    reason: format!(
                        "{what} (`{key}`) of a kustomization: not rendered by onus, what it \
                         makes or changes is not linted"
                    ),
                });
            }
        }
    }

    /// One `resources:` entry: a file of objects or a directory with a kustomization.
    fn resource(&mut self, dir: &Path, entry: &Node, list: &mut Vec<Res>) -> Result<()> {
        let Some(rel) = entry.as_str() else {
            return Ok(());
        };
        if is_remote(rel) {
            self.remote(entry, rel);
            return Ok(());
        }
        let path = normalize(&dir.join(rel));
        if path.is_dir() {
            let mut sub = Vec::new();
            self.apply(&path, &mut sub, false)
                .map_err(|e| with_origin(e, entry.origin))?;
            return self.add(list, sub, entry.origin);
        }
        // kustomize's default load restrictor: a file must be in or below the
        // kustomization's directory (directories, other kustomizations, may be anywhere).
        let outside = if dir.as_os_str().is_empty() {
            path.components().next() == Some(Component::ParentDir)
        } else {
            !path.starts_with(dir)
        };
        if outside {
            return Err(Error::new(
                format!(
                    "security; file '{}' is not in or below '{}'",
                    path.display(),
                    dir.display()
                ),
                Some(entry.origin),
            ));
        }
        let docs = self.docs(&path, Some(entry.origin))?;
        let mut objects = Vec::new();
        for root in docs.roots {
            // A List's items are objects, as kustomize reads them.
            let is_list = root.str_at(&["kind"]).is_some_and(|k| k.ends_with("List"))
                && root.get("items").is_some_and(|i| i.is_seq() || i.is_null());
            if is_list {
                if let Some(Value::Seq(items)) = root.get("items").map(|i| i.value.clone()) {
                    objects.extend(items.into_iter().filter(Node::is_map).map(Res::new));
                }
            } else if root.is_map() {
                objects.push(Res::new(root));
            } else {
                return Err(Error::new(
                    format!("{}: a document that is not an object", path.display()),
                    Some(root.origin),
                ));
            }
        }
        let _ = docs.file;
        self.add(list, objects, entry.origin)
    }

    /// Objects join the list; an id already there is an error, as in kustomize.
    fn add(&mut self, list: &mut Vec<Res>, new: Vec<Res>, at: Origin) -> Result<()> {
        for r in new {
            if r.name().is_empty() && r.node.path(&["metadata", "generateName"]).is_none() {
                return Err(Error::new(
                    format!("a {} without metadata.name", r.kind()),
                    Some(r.node.origin),
                ));
            }
            if list.iter().any(|o| {
                o.kind() == r.kind()
                    && o.group() == r.group()
                    && o.name() == r.name()
                    && ns_eq(o.namespace(), r.namespace())
            }) {
                return Err(Error::new(
                    format!(
                        "may not add resource with an already registered id: {} {}",
                        r.kind(),
                        r.name()
                    ),
                    Some(at),
                ));
            }
            list.push(r);
        }
        Ok(())
    }

    fn generators(&mut self, dir: &Path, k: &Node, list: &mut Vec<Res>) -> Result<()> {
        let options = k.get("generatorOptions");
        for (key, secret) in [("configMapGenerator", false), ("secretGenerator", true)] {
            for entry in k.get(key).map(Node::items).unwrap_or_default() {
                let g = {
                    let mut reader = Reading { r: self };
                    generate::generate(entry, options, dir, secret, &mut reader)
                        .map_err(|e| Error::new(e, Some(entry.origin)))?
                };
                let kind = if secret { "Secret" } else { "ConfigMap" };
                let made = Res {
                    node: g.object,
                    ids: Vec::new(),
                    hash: g.hash,
                };
                let ns = made.namespace().to_string();
                let existing = list
                    .iter_mut()
                    .find(|r| r.kind() == kind && r.known_as(made.name(), Some(ns.as_str())));
                match (g.behavior, existing) {
                    (Behavior::Create, None) => list.push(made),
                    (Behavior::Create, Some(_)) => {
                        return Err(Error::new(
                            format!(
                                "a {kind} `{}` already exists: give the generator `behavior: merge` or `replace`",
                                made.name()
                            ),
                            Some(entry.origin),
                        ));
                    }
                    (Behavior::Merge | Behavior::Replace, None) => {
                        return Err(Error::new(
                            format!(
                                "no {kind} `{}` to {} with",
                                made.name(),
                                if matches!(g.behavior, Behavior::Merge) {
                                    "merge"
                                } else {
                                    "replace"
                                }
                            ),
                            Some(entry.origin),
                        ));
                    }
                    (Behavior::Merge, Some(old)) => {
                        for field in ["data", "binaryData"] {
                            for (key, v) in
                                made.node.get(field).map(Node::entries).unwrap_or_default()
                            {
                                if let (Some(key), Some(map)) =
                                    (key.as_str(), old.node.map_at(field, v.origin))
                                {
                                    map.set(key, v.clone());
                                }
                            }
                        }
                        for field in ["labels", "annotations"] {
                            for (key, v) in made
                                .node
                                .path(&["metadata", field])
                                .map(Node::entries)
                                .unwrap_or_default()
                            {
                                if let (Some(key), Some(map)) = (
                                    key.as_str(),
                                    old.node
                                        .map_at("metadata", v.origin)
                                        .and_then(|m| m.map_at(field, v.origin)),
                                ) {
                                    map.set(key, v.clone());
                                }
                            }
                        }
                        old.hash = old.hash && made.hash;
                    }
                    (Behavior::Replace, Some(old)) => {
                        let ids = std::mem::take(&mut old.ids);
                        *old = Res { ids, ..made };
                    }
                }
            }
        }
        Ok(())
    }

    fn transformers(&mut self, dir: &Path, k: &Node, list: &mut [Res]) -> Result<()> {
        // kustomize's order of built-in transformers.
        self.patches_strategic_merge(dir, k, list)?;
        self.patches(dir, k, list)?;
        namespace(k, list);
        prefix_suffix(k, list);
        labels(k, list);
        annotations(k, list);
        self.patches_json6902(dir, k, list)?;
        replicas(k, list);
        images(k, list);
        self.replacements(dir, k, list)
    }

    /// `replacements`: a field of one object copied into fields of others, inline or from
    /// files of replacement lists.
    fn replacements(&mut self, dir: &Path, k: &Node, list: &mut [Res]) -> Result<()> {
        let mut all: Vec<Node> = Vec::new();
        for entry in k.get("replacements").map(Node::items).unwrap_or_default() {
            match entry.get("path").and_then(Node::as_str) {
                Some(rel) => {
                    let docs = self.docs(&normalize(&dir.join(rel)), Some(entry.origin))?;
                    self.patches.insert(docs.file);
                    for d in docs.roots {
                        match &d.value {
                            Value::Seq(items) => all.extend(items.iter().cloned()),
                            _ => all.push(d),
                        }
                    }
                }
                None => all.push(entry.clone()),
            }
        }
        for r in &all {
            replace(r, list)?;
        }
        Ok(())
    }

    /// The documents of a patch given as a path or inline.
    fn patch_docs(
        &mut self,
        dir: &Path,
        path: Option<&Node>,
        inline: Option<&Node>,
    ) -> Result<Vec<Node>> {
        if let Some(p) = path {
            let rel = p.as_str().unwrap_or("");
            let docs = self.docs(&normalize(&dir.join(rel)), Some(p.origin))?;
            self.patches.insert(docs.file);
            return Ok(docs.roots);
        }
        if let Some(text) = inline {
            return self.inline(text);
        }
        Ok(Vec::new())
    }

    /// An inline patch: its text is parsed again, and its nodes are given the origin of
    /// the string in the kustomization (the string's bytes are not the file's bytes).
    fn inline(&mut self, text: &Node) -> Result<Vec<Node>> {
        let Some(s) = text.as_str() else {
            return Ok(Vec::new());
        };
        let stream = yaml::parse(s);
        if let Some(e) = stream.errors.first() {
            return Err(Error::new(
                format!("an inline patch: {}", e.message),
                Some(text.origin),
            ));
        }
        let mut out = Vec::new();
        for doc in &stream.documents {
            if let Some(root) = NodeRef::root(doc).filter(|r| !r.is_null()) {
                let mut node = tree::from_yaml(root, text.origin.file, &mut self.budget)
                    .map_err(|e| Error::new(e.0, Some(text.origin)))?;
                node.set_origin(text.origin);
                out.push(node);
            }
        }
        Ok(out)
    }

    fn patches_strategic_merge(&mut self, dir: &Path, k: &Node, list: &mut [Res]) -> Result<()> {
        for entry in k
            .get("patchesStrategicMerge")
            .map(Node::items)
            .unwrap_or_default()
        {
            let Some(s) = entry.as_str() else { continue };
            // An entry is a path, or a patch written inline (it has a newline or a colon).
            let docs = if s.contains('\n') || (s.contains(": ") && !dir.join(s).is_file()) {
                self.inline(entry)?
            } else {
                self.patch_docs(dir, Some(entry), None)?
            };
            for p in docs {
                apply_smp_by_id(list, &p, entry.origin)?;
            }
        }
        Ok(())
    }

    fn patches(&mut self, dir: &Path, k: &Node, list: &mut [Res]) -> Result<()> {
        for entry in k.get("patches").map(Node::items).unwrap_or_default() {
            let docs = self.patch_docs(dir, entry.get("path"), entry.get("patch"))?;
            let target = entry.get("target");
            for p in docs {
                if p.is_seq() {
                    let Some(target) = target else {
                        return Err(Error::new(
                            "a JSON 6902 patch needs a `target`",
                            Some(entry.origin),
                        ));
                    };
                    let mut hit = false;
                    for r in list.iter_mut().filter(|r| selected(r, target)) {
                        hit = true;
                        r.remember();
                        patch::json6902(&mut r.node, &p)
                            .map_err(|e| Error::new(e, Some(p.origin)))?;
                    }
                    let _ = hit;
                } else if let Some(target) = target {
                    let mut deleted = Vec::new();
                    for (i, r) in list
                        .iter_mut()
                        .enumerate()
                        .filter(|(_, r)| selected(r, target))
                    {
                        r.remember();
                        let (api, kind) = (r.api_version().to_string(), r.kind().to_string());
                        // The patch's own name and kind do not choose: the target does.
                        let mut p = p.clone();
                        for key in ["name", "namespace"] {
                            if let Some(m) = p.get_mut("metadata") {
                                m.remove(key);
                            }
                        }
                        p.remove("kind");
                        p.remove("apiVersion");
                        match patch::strategic_merge(&mut r.node, &p, &api, &kind)
                            .map_err(|e| Error::new(e, Some(p.origin)))?
                        {
                            Merged::Kept => {}
                            Merged::Deleted => deleted.push(i),
                        }
                    }
                    delete_at(list, &deleted);
                } else {
                    apply_smp_by_id(list, &p, entry.origin)?;
                }
            }
        }
        Ok(())
    }

    fn patches_json6902(&mut self, dir: &Path, k: &Node, list: &mut [Res]) -> Result<()> {
        for entry in k
            .get("patchesJson6902")
            .map(Node::items)
            .unwrap_or_default()
        {
            let docs = self.patch_docs(dir, entry.get("path"), entry.get("patch"))?;
            let Some(target) = entry.get("target") else {
                return Err(Error::new(
                    "a patchesJson6902 entry needs a `target`",
                    Some(entry.origin),
                ));
            };
            for p in docs {
                for r in list.iter_mut().filter(|r| selected(r, target)) {
                    r.remember();
                    patch::json6902(&mut r.node, &p).map_err(|e| Error::new(e, Some(p.origin)))?;
                }
            }
        }
        Ok(())
    }
}

/// The renderer as the generators' file reader: what they read is data.
struct Reading<'r> {
    r: &'r mut Renderer,
}

impl generate::Reader for Reading<'_> {
    fn read(&mut self, path: &Path) -> std::result::Result<(u32, Arc<SourceFile>), String> {
        let (i, s) = self.r.read(path)?;
        self.r.payloads.insert(i);
        Ok((i, s))
    }
}

fn with_origin(mut e: Error, at: Origin) -> Error {
    if e.at.is_none() {
        e.at = Some(at);
    }
    e
}

/// Objects deleted by a `$patch: delete` (indices in increasing order). The list is a slice
/// here: deleted objects are marked by an empty node and swept by the caller.
fn delete_at(list: &mut [Res], at: &[usize]) {
    for &i in at {
        if let Some(r) = list.get_mut(i) {
            r.node = Node::null(Origin::NONE);
        }
    }
}

/// A strategic merge patch that names its target by apiVersion, kind, name, namespace.
fn apply_smp_by_id(list: &mut [Res], p: &Node, at: Origin) -> Result<()> {
    let kind = p.str_at(&["kind"]).unwrap_or("");
    let group = crate::object::group_of(p.str_at(&["apiVersion"]).unwrap_or(""));
    let name = p.str_at(&["metadata", "name"]).unwrap_or("");
    let ns = p.str_at(&["metadata", "namespace"]);
    let found: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !r.node.is_null() && r.kind() == kind && r.group() == group && r.known_as(name, ns)
        })
        .map(|(i, _)| i)
        .collect();
    let [i] = found.as_slice() else {
        return Err(Error::new(
            format!(
                "{} {kind} `{name}` to patch: {}",
                if found.is_empty() {
                    "no"
                } else {
                    "more than one"
                },
                if found.is_empty() {
                    "the patch matches no object of the build"
                } else {
                    "the patch matches several objects"
                }
            ),
            Some(at),
        ));
    };
    let Some(r) = list.get_mut(*i) else {
        return Ok(());
    };
    r.remember();
    let (api, kind) = (r.api_version().to_string(), r.kind().to_string());
    let mut p = p.clone();
    // The id fields choose the target; they do not change it.
    p.remove("apiVersion");
    p.remove("kind");
    if let Some(m) = p.get_mut("metadata") {
        m.remove("name");
        m.remove("namespace");
    }
    match patch::strategic_merge(&mut r.node, &p, &api, &kind)
        .map_err(|e| Error::new(e, Some(p.origin)))?
    {
        Merged::Kept => {}
        Merged::Deleted => r.node = Node::null(Origin::NONE),
    }
    Ok(())
}

/// Does a patch's `target` select this object? Name and namespace are anchored regular
/// expressions; label and annotation selectors are label selectors.
fn selected(r: &Res, target: &Node) -> bool {
    if r.node.is_null() {
        return false;
    }
    let field = |k: &str| target.get(k).and_then(Node::as_str);
    if let Some(kind) = field("kind")
        && kind != r.kind()
    {
        return false;
    }
    if let Some(group) = field("group")
        && group != r.group()
    {
        return false;
    }
    if let Some(version) = field("version") {
        let v = r.api_version().rsplit('/').next().unwrap_or("");
        if version != v {
            return false;
        }
    }
    let matches = |pattern: &str, value: &str| {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_or(pattern == value, |re| re.is_match(value))
    };
    if let Some(name) = field("name")
        && !matches(name, r.name())
        && !r.ids.iter().any(|(n, _)| matches(name, n))
    {
        return false;
    }
    if let Some(ns) = field("namespace")
        && !matches(ns, r.namespace())
    {
        return false;
    }
    for (key, at) in [
        ("labelSelector", "labels"),
        ("annotationSelector", "annotations"),
    ] {
        if let Some(sel) = field(key)
            && !label_selector(sel, r.node.path(&["metadata", at]))
        {
            return false;
        }
    }
    true
}

/// A label selector string (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) against a label map.
fn label_selector(sel: &str, labels: Option<&Node>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
    let mut rest = sel;
    while !rest.trim().is_empty() {
        // Split at the next comma outside parentheses.
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let term = rest.get(..end).unwrap_or("").trim();
        rest = rest.get(end + 1..).unwrap_or("");
        let ok = if let Some((k, v)) = term.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if let Some((k, set)) = term.split_once(" notin ") {
            !in_set(get(k.trim()), set)
        } else if let Some((k, set)) = term.split_once(" in ") {
            in_set(get(k.trim()), set)
        } else {
            get(term).is_some()
        };
        if !ok {
            return false;
        }
    }
    true
}

fn in_set(value: Option<&str>, set: &str) -> bool {
    let set = set.trim().trim_start_matches('(').trim_end_matches(')');
    value.is_some_and(|v| set.split(',').any(|s| s.trim() == v))
}

fn rename(node: &mut Node, name: String) {
    if let Some(n) = node.path_mut(&["metadata", "name"]) {
        let origin = n.origin;
        *n = Node::string(name, origin);
    }
}

/// `namespace:`: every namespaced object goes there, and the ServiceAccount subjects of
/// role bindings that were in the default namespace follow.
fn namespace(k: &Node, list: &mut [Res]) {
    let Some(ns_node) = k
        .get("namespace")
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
    else {
        return;
    };
    let ns = ns_node.as_str().unwrap_or("").to_string();
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        let kind = r.kind().to_string();
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(Value::Seq(subjects)) = r.node.get_mut("subjects").map(|s| &mut s.value)
        {
            {
                for s in subjects.iter_mut() {
                    let sa = s.str_at(&["kind"]) == Some("ServiceAccount");
                    let default = s.str_at(&["namespace"]).is_none_or(|n| n == "default");
                    if sa && default {
                        s.set("namespace", Node::string(ns.clone(), ns_node.origin));
                    }
                }
            }
        }
        if cluster_scoped(&kind) {
            continue;
        }
        r.remember();
        if let Some(m) = r.node.map_at("metadata", ns_node.origin) {
            m.set("namespace", Node::string(ns.clone(), ns_node.origin));
        }
    }
}

fn prefix_suffix(k: &Node, list: &mut [Res]) {
    let prefix = k.get("namePrefix").and_then(Node::as_str).unwrap_or("");
    let suffix = k.get("nameSuffix").and_then(Node::as_str).unwrap_or("");
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        // kustomize leaves these names alone: they are not the user's to choose.
        if matches!(
            r.kind(),
            "CustomResourceDefinition" | "Namespace" | "APIService"
        ) {
            continue;
        }
        r.remember();
        let name = format!("{prefix}{}{suffix}", r.name());
        rename(&mut r.node, name);
    }
}

/// Where labels go beside metadata.labels: (kinds, path, create when missing, a selector).
const LABEL_PATHS: &[(&[&str], &[&str], bool, bool)] = &[
    (&["Service"], &["spec", "selector"], true, true),
    (
        &["ReplicationController"],
        &["spec", "selector"],
        true,
        true,
    ),
    (
        &["ReplicationController"],
        &["spec", "template", "metadata", "labels"],
        true,
        false,
    ),
    (
        &["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"],
        &["spec", "selector", "matchLabels"],
        true,
        true,
    ),
    (
        &[
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
        ],
        &["spec", "template", "metadata", "labels"],
        true,
        false,
    ),
    (&["Job"], &["spec", "selector", "matchLabels"], false, true),
    (
        &["CronJob"],
        &["spec", "jobTemplate", "spec", "selector", "matchLabels"],
        false,
        true,
    ),
    (
        &["CronJob"],
        &["spec", "jobTemplate", "metadata", "labels"],
        true,
        false,
    ),
    (
        &["CronJob"],
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ],
        true,
        false,
    ),
    (
        &["PodDisruptionBudget"],
        &["spec", "selector", "matchLabels"],
        false,
        true,
    ),
    (
        &["NetworkPolicy"],
        &["spec", "podSelector", "matchLabels"],
        false,
        true,
    ),
];

/// Set `pairs` in the map at `path` (made when `create`).
fn set_pairs(node: &mut Node, path: &[&str], create: bool, pairs: &[(String, &Node)]) {
    let mut n = node;
    for key in path {
        let origin = pairs.first().map_or(Origin::NONE, |p| p.1.origin);
        let exists = n.get(key).is_some_and(|v| !v.is_null());
        if !exists && !create {
            return;
        }
        let Some(next) = n.map_at(key, origin) else {
            return;
        };
        n = next;
    }
    for (k, v) in pairs {
        n.set(k, Node::string(v.as_str().unwrap_or(""), v.origin));
    }
}

fn pairs_of(map: Option<&Node>) -> Vec<(String, &Node)> {
    map.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
        .collect()
}

/// `commonLabels` (metadata, templates and selectors) and `labels` (metadata; templates
/// and selectors when asked).
fn labels(k: &Node, list: &mut [Res]) {
    // (pairs, to templates, to selectors)
    type Set<'k> = (Vec<(String, &'k Node)>, bool, bool);
    let mut sets: Vec<Set> = Vec::new();
    let common = pairs_of(k.get("commonLabels"));
    if !common.is_empty() {
        sets.push((common, true, true));
    }
    for l in k.get("labels").map(Node::items).unwrap_or_default() {
        let pairs = pairs_of(l.get("pairs"));
        let selectors = l.get("includeSelectors").and_then(|b| b.as_str()) == Some("true");
        let templates =
            selectors || l.get("includeTemplates").and_then(|b| b.as_str()) == Some("true");
        if !pairs.is_empty() {
            sets.push((pairs, templates, selectors));
        }
    }
    for (pairs, templates, selectors) in &sets {
        for r in list.iter_mut().filter(|r| !r.node.is_null()) {
            let kind = r.kind().to_string();
            set_pairs(&mut r.node, &["metadata", "labels"], true, pairs);
            for (kinds, path, create, selector) in LABEL_PATHS {
                let wanted = if *selector { *selectors } else { *templates };
                if wanted && kinds.contains(&kind.as_str()) {
                    set_pairs(&mut r.node, path, *create, pairs);
                }
            }
            if *selectors
                && kind == "StatefulSet"
                && let Some(Value::Seq(claims)) = r
                    .node
                    .path_mut(&["spec", "volumeClaimTemplates"])
                    .map(|v| &mut v.value)
            {
                {
                    for c in claims.iter_mut() {
                        set_pairs(c, &["metadata", "labels"], true, pairs);
                    }
                }
            }
        }
    }
}

/// Where annotations go beside metadata.annotations: pod templates.
const ANNOTATION_PATHS: &[(&[&str], &[&str])] = &[
    (
        &[
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
            "ReplicationController",
        ],
        &["spec", "template", "metadata", "annotations"],
    ),
    (
        &["CronJob"],
        &["spec", "jobTemplate", "metadata", "annotations"],
    ),
    (
        &["CronJob"],
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "annotations",
        ],
    ),
];

fn annotations(k: &Node, list: &mut [Res]) {
    let pairs = pairs_of(k.get("commonAnnotations"));
    if pairs.is_empty() {
        return;
    }
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        let kind = r.kind().to_string();
        set_pairs(&mut r.node, &["metadata", "annotations"], true, &pairs);
        for (kinds, path) in ANNOTATION_PATHS {
            if kinds.contains(&kind.as_str()) {
                set_pairs(&mut r.node, path, true, &pairs);
            }
        }
    }
}

fn replicas(k: &Node, list: &mut [Res]) {
    for entry in k.get("replicas").map(Node::items).unwrap_or_default() {
        let (Some(name), Some(count)) = (entry.str_at(&["name"]), entry.get("count")) else {
            continue;
        };
        for r in list.iter_mut().filter(|r| {
            matches!(
                r.kind(),
                "Deployment" | "ReplicationController" | "ReplicaSet" | "StatefulSet"
            ) && r.known_as(name, None)
        }) {
            if let Some(spec) = r.node.map_at("spec", count.origin) {
                spec.set("replicas", count.clone());
            }
        }
    }
}

/// An image reference split into name, tag and digest (`host:5000/a/b:1.2@sha256:..`).
fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest.rfind(':').filter(|c| *c >= slash) {
        Some(c) => (rest.get(..c).unwrap_or(rest), rest.get(c + 1..), digest),
        None => (rest, None, digest),
    }
}

/// `images:` on every `containers` and `initContainers` list, at any depth (kustomize's
/// image transformer finds them in any kind).
fn images(k: &Node, list: &mut [Res]) {
    let rules = k.get("images").map(Node::items).unwrap_or_default();
    if rules.is_empty() {
        return;
    }
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        let mut stack: Vec<&mut Node> = vec![&mut r.node];
        while let Some(n) = stack.pop() {
            match &mut n.value {
                Value::Map(entries) => {
                    for (key, v) in entries.iter_mut() {
                        if matches!(key.as_str(), Some("containers" | "initContainers"))
                            && let Value::Seq(items) = &mut v.value
                        {
                            for c in items.iter_mut() {
                                if let Some(img) = c.get_mut("image") {
                                    retag(img, rules);
                                }
                            }
                        }
                        stack.push(v);
                    }
                }
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Scalar(_) => {}
            }
        }
    }
}

fn retag(img: &mut Node, rules: &[Node]) {
    let Some(current) = img.as_str().map(str::to_string) else {
        return;
    };
    let (name, tag, digest) = split_image(&current);
    for rule in rules {
        if rule.str_at(&["name"]) != Some(name) {
            continue;
        }
        let new_name = rule.str_at(&["newName"]).unwrap_or(name);
        let new_tag = rule.get("newTag").and_then(Node::as_str);
        let new_digest = rule.get("digest").and_then(Node::as_str);
        let value = if let Some(d) = new_digest {
            format!("{new_name}@{d}")
        } else if let Some(t) = new_tag {
            format!("{new_name}:{t}")
        } else {
            let mut s = new_name.to_string();
            if let Some(t) = tag {
                s = format!("{s}:{t}");
            }
            if let Some(d) = digest {
                s = format!("{s}@{d}");
            }
            s
        };
        // The finding on an image set here belongs to the line that set it.
        let origin = ["digest", "newTag", "newName"]
            .iter()
            .find_map(|f| rule.get(f))
            .map_or(img.origin, |n| n.origin);
        *img = Node::string(value, origin);
        return;
    }
}

/// One step of a replacement's field path: a key, a list index, or the item whose field
/// has a value (`[name=web]`).
enum Step {
    Key(String),
    Index(usize),
    Item(String, String),
}

/// `spec.template.spec.containers.[name=web].args.3` as steps (`.` inside brackets kept).
fn field_path(path: &str) -> Vec<Step> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some(inner) = p.strip_prefix('[').and_then(|q| q.strip_suffix(']'))
                && let Some((k, v)) = inner.split_once('=')
            {
                return Step::Item(k.to_string(), v.to_string());
            }
            match p.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(p),
            }
        })
        .collect()
}

fn lookup<'n>(node: &'n Node, steps: &[Step]) -> Option<&'n Node> {
    let mut n = node;
    for s in steps {
        n = match s {
            Step::Key(k) => n.get(k)?,
            Step::Index(i) => n.items().get(*i)?,
            Step::Item(k, v) => n.items().iter().find(|i| i.str_at(&[k]) == Some(v))?,
        };
    }
    Some(n)
}

/// The node at `steps`, made (maps only) when `create`.
fn lookup_mut<'n>(
    node: &'n mut Node,
    steps: &[Step],
    create: bool,
    origin: Origin,
) -> Option<&'n mut Node> {
    let mut n = node;
    for (i, s) in steps.iter().enumerate() {
        n = match s {
            Step::Key(k) => {
                if n.get(k).is_none() {
                    if !create || !(n.is_map() || n.is_null()) {
                        return None;
                    }
                    let last = i + 1 == steps.len();
                    n.set(
                        k,
                        if last {
                            Node::null(origin)
                        } else {
                            Node::map(origin)
                        },
                    );
                }
                n.get_mut(k)?
            }
            Step::Index(i) => match &mut n.value {
                Value::Seq(items) => items.get_mut(*i)?,
                _ => return None,
            },
            Step::Item(k, v) => match &mut n.value {
                Value::Seq(items) => items.iter_mut().find(|i| i.str_at(&[k]) == Some(v))?,
                _ => return None,
            },
        };
    }
    Some(n)
}

/// Does a replacement's `select` (or `reject`) entry pick this object?
fn picks(r: &Res, sel: &Node) -> bool {
    selected(r, sel)
}

fn replace(rep: &Node, list: &mut [Res]) -> Result<()> {
    let Some(source) = rep.get("source") else {
        return Err(Error::new(
            "a replacement without a `source`",
            Some(rep.origin),
        ));
    };
    let found: Vec<&Res> = list
        .iter()
        .filter(|r| selected(r, source) && !r.node.is_null())
        .collect();
    let [src] = found.as_slice() else {
        return Err(Error::new(
            format!(
                "a replacement's source matches {} objects, not one",
                found.len()
            ),
            Some(source.origin),
        ));
    };
    let path = source
        .get("fieldPath")
        .and_then(Node::as_str)
        .unwrap_or("metadata.name");
    let Some(value) = lookup(&src.node, &field_path(path)) else {
        return Err(Error::new(
            format!("the replacement source's field `{path}` is missing"),
            Some(source.origin),
        ));
    };
    let mut value = value.clone();
    // `options: {delimiter, index}` on the source: one part of its text.
    if let Some(opts) = source.get("options")
        && let Some(delim) = opts.get("delimiter").and_then(Node::as_str)
        && let Some(text) = value.as_str()
    {
        let index = opts
            .get("index")
            .and_then(Node::as_str)
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(0);
        let part = text.split(delim).nth(index).unwrap_or("").to_string();
        value = Node::string(part, value.origin);
    }
    for target in rep.get("targets").map(Node::items).unwrap_or_default() {
        let select = target.get("select");
        let rejects = target.get("reject").map(Node::items).unwrap_or_default();
        let opts = target.get("options");
        let create = opts.and_then(|o| o.get("create")).and_then(Node::as_str) == Some("true");
        for r in list.iter_mut().filter(|r| {
            !r.node.is_null()
                && select.is_none_or(|s| picks(r, s))
                && !rejects.iter().any(|x| picks(r, x))
        }) {
            for fp in target
                .get("fieldPaths")
                .map(Node::items)
                .unwrap_or_default()
            {
                let Some(fp_text) = fp.as_str() else { continue };
                let Some(slot) =
                    lookup_mut(&mut r.node, &field_path(fp_text), create, value.origin)
                else {
                    return Err(Error::new(
                        format!("unable to find field `{fp_text}` in replacement target"),
                        Some(fp.origin),
                    ));
                };
                let delim = opts.and_then(|o| o.get("delimiter")).and_then(Node::as_str);
                match (delim, slot.as_str().map(str::to_string), value.as_str()) {
                    (Some(d), Some(old), Some(new)) => {
                        let index = opts
                            .and_then(|o| o.get("index"))
                            .and_then(Node::as_str)
                            .and_then(|i| i.parse::<usize>().ok())
                            .unwrap_or(0);
                        let mut parts: Vec<&str> = old.split(d).collect();
                        if let Some(p) = parts.get_mut(index) {
                            *p = new;
                        } else {
                            parts.push(new);
                        }
                        *slot = Node::string(parts.join(d), value.origin);
                    }
                    // A scalar keeps the target's type: a number put in a string field is
                    // the number's text (as kustomize does).
                    (_, Some(_), Some(text))
                        if matches!(slot.typed(), Some(tree::Typed::Str(_))) =>
                    {
                        *slot = Node::string(text, value.origin);
                    }
                    _ => *slot = value.clone(),
                }
            }
        }
    }
    Ok(())
}

/// Fields of a pod spec that name another object: (the kind named, the path).
const POD_REFERENCES: &[(&str, &str)] = &[
    ("ConfigMap", "volumes[]/configMap/name"),
    ("ConfigMap", "volumes[]/projected/sources[]/configMap/name"),
    (
        "ConfigMap",
        "containers[]/env[]/valueFrom/configMapKeyRef/name",
    ),
    (
        "ConfigMap",
        "initContainers[]/env[]/valueFrom/configMapKeyRef/name",
    ),
    ("ConfigMap", "containers[]/envFrom[]/configMapRef/name"),
    ("ConfigMap", "initContainers[]/envFrom[]/configMapRef/name"),
    ("Secret", "volumes[]/secret/secretName"),
    ("Secret", "volumes[]/projected/sources[]/secret/name"),
    ("Secret", "containers[]/env[]/valueFrom/secretKeyRef/name"),
    (
        "Secret",
        "initContainers[]/env[]/valueFrom/secretKeyRef/name",
    ),
    ("Secret", "containers[]/envFrom[]/secretRef/name"),
    ("Secret", "initContainers[]/envFrom[]/secretRef/name"),
    ("Secret", "imagePullSecrets[]/name"),
    ("ServiceAccount", "serviceAccountName"),
    ("ServiceAccount", "serviceAccount"),
    (
        "PersistentVolumeClaim",
        "volumes[]/persistentVolumeClaim/claimName",
    ),
    ("PriorityClass", "priorityClassName"),
];

/// Other fields that name an object: (referring kinds, the kind named, the path).
const REFERENCES: &[(&[&str], &str, &str)] = &[
    (&["StatefulSet"], "Service", "spec/serviceName"),
    (
        &["Ingress"],
        "Service",
        "spec/rules[]/http/paths[]/backend/service/name",
    ),
    (
        &["Ingress"],
        "Service",
        "spec/rules[]/http/paths[]/backend/serviceName",
    ),
    (&["Ingress"], "Service", "spec/defaultBackend/service/name"),
    (&["Ingress"], "Service", "spec/backend/serviceName"),
    (&["Ingress"], "Secret", "spec/tls[]/secretName"),
    (&["APIService"], "Service", "spec/service/name"),
    (
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ],
        "Service",
        "webhooks[]/clientConfig/service/name",
    ),
    (&["ServiceAccount"], "Secret", "secrets[]/name"),
    (&["ServiceAccount"], "Secret", "imagePullSecrets[]/name"),
];

/// Where a kind keeps its pod spec.
fn pod_spec_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "spec",
        "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController" => "spec/template/spec",
        "CronJob" => "spec/jobTemplate/spec/template/spec",
        "PodTemplate" => "template/spec",
        _ => return None,
    })
}

/// Every node at `path` (`[]` after a key: each item of that list).
fn visit_path(node: &mut Node, path: &str, f: &mut dyn FnMut(&mut Node)) {
    let mut nodes: Vec<&mut Node> = vec![node];
    for step in path.split('/') {
        let (key, each) = match step.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for n in nodes {
            let Some(child) = n.get_mut(key) else {
                continue;
            };
            if each {
                if let Value::Seq(items) = &mut child.value {
                    next.extend(items.iter_mut());
                }
            } else {
                next.push(child);
            }
        }
        nodes = next;
    }
    for n in nodes {
        f(n);
    }
}

/// A rename: (kind, a name it had, the namespace it had then, its name now, namespace now).
type Rename = (String, String, String, String, String);

/// References to renamed objects (prefixes, suffixes, hashes) follow the new names, as
/// kustomize's name reference transformer does, within a referrer's namespace.
fn fix_references(list: &mut [Res]) {
    let mut renames: Vec<Rename> = Vec::new();
    for r in list.iter().filter(|r| !r.node.is_null()) {
        for (name, ns) in &r.ids {
            if name != r.name() {
                renames.push((
                    r.kind().to_string(),
                    name.clone(),
                    ns.clone(),
                    r.name().to_string(),
                    r.namespace().to_string(),
                ));
            }
        }
    }
    if renames.is_empty() {
        return;
    }
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        let kind = r.kind().to_string();
        let ns = r.namespace().to_string();
        let old_ns: Vec<String> = r.ids.iter().map(|(_, n)| n.clone()).collect();
        let update = |named: &str, n: &mut Node| {
            let Some(value) = n.as_str() else { return };
            let scoped = cluster_scoped(named);
            let mut new: Vec<&str> = renames
                .iter()
                .filter(|(k, old, was_ns, _, now_ns)| {
                    k == named
                        && old == value
                        && (scoped
                            || ns_eq(now_ns, &ns)
                            || ns_eq(was_ns, &ns)
                            || old_ns.iter().any(|o| ns_eq(o, was_ns)))
                })
                .map(|(_, _, _, now, _)| now.as_str())
                .collect();
            new.sort_unstable();
            new.dedup();
            if let [one] = new.as_slice() {
                let origin = n.origin;
                *n = Node::string(*one, origin);
            }
        };
        if let Some(pod) = pod_spec_path(&kind) {
            for (named, path) in POD_REFERENCES {
                visit_path(&mut r.node, &format!("{pod}/{path}"), &mut |n| {
                    update(named, n)
                });
            }
        }
        for (kinds, named, path) in REFERENCES {
            if kinds.contains(&kind.as_str()) {
                visit_path(&mut r.node, path, &mut |n| update(named, n));
            }
        }
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            let role_kind = r
                .node
                .str_at(&["roleRef", "kind"])
                .unwrap_or("")
                .to_string();
            if matches!(role_kind.as_str(), "Role" | "ClusterRole") {
                visit_path(&mut r.node, "roleRef/name", &mut |n| update(&role_kind, n));
            }
            visit_path(&mut r.node, "subjects[]", &mut |s| {
                if s.str_at(&["kind"]) == Some("ServiceAccount") {
                    let sns = s.str_at(&["namespace"]).unwrap_or("").to_string();
                    if let Some(n) = s.get_mut("name") {
                        let Some(value) = n.as_str() else { return };
                        let new: Vec<&str> = renames
                            .iter()
                            .filter(|(k, old, was, _, now)| {
                                k == "ServiceAccount"
                                    && old == value
                                    && (ns_eq(now, &sns) || ns_eq(was, &sns))
                            })
                            .map(|(_, _, _, now, _)| now.as_str())
                            .collect();
                        if let Some(one) = new.first().filter(|o| new.iter().all(|x| x == *o)) {
                            let origin = n.origin;
                            *n = Node::string(*one, origin);
                        }
                    }
                }
            });
        }
        if kind == "HorizontalPodAutoscaler" {
            let target = r
                .node
                .str_at(&["spec", "scaleTargetRef", "kind"])
                .unwrap_or("")
                .to_string();
            visit_path(&mut r.node, "spec/scaleTargetRef/name", &mut |n| {
                update(&target, n)
            });
        }
    }
}

/// kubectl kustomize's default (legacy) order: kinds that others depend on first, webhooks
/// last, then by kind, name and namespace.
const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn sort_legacy(objects: &mut Vec<Node>) {
    objects.retain(|o| !o.is_null());
    let key = |o: &Node| {
        let kind = o.str_at(&["kind"]).unwrap_or("").to_string();
        let rank = match ORDER_FIRST.iter().position(|k| *k == kind) {
            Some(i) => i,
            None => match ORDER_LAST.iter().position(|k| *k == kind) {
                Some(i) => ORDER_FIRST.len() + 1 + i,
                None => ORDER_FIRST.len(),
            },
        };
        (
            rank,
            kind,
            o.str_at(&["apiVersion"]).unwrap_or("").to_string(),
            o.str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string(),
            o.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
        )
    };
    objects.sort_by_cached_key(key);
}
