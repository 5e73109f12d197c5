//! `kustomize build`, natively: a kustomization's resources, components, generators and
//! transformers, in kustomize's order, on trees that keep every node's origin.

use super::generate::{self, Behavior};
use super::patch::{self, Merged};
use super::tree::{self, Node, Origin, Value};
use crate::source::SourceFile;
use crate::yaml::{self, NodeRef, Span};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The file names kustomize looks for in a directory, in its order.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Kustomizations nested deeper are refused (a cycle is caught before, this bounds a chain).
const MAX_NESTING: usize = 64;

/// What a build gives: the objects, the files they came from (an origin's `file` indexes
/// `files`; ids are shared by the builds of a run, so a set holds only its own), and what
/// was not rendered.
#[derive(Default)]
pub struct Set {
    pub objects: Vec<Node>,
    pub files: Vec<Option<Arc<SourceFile>>>,
    pub unsupported: Vec<Unsupported>,
}

/// Something a kustomization asks for that onus does not do: said, never dropped silently.
#[derive(Debug, Clone)]
pub struct Unsupported {
    pub origin: Origin,
    pub reason: String,
}

/// Why a build failed, and where when a file says it.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub at: Option<Origin>,
}

impl Set {
    /// File `id` of the set.
    pub fn file(&self, id: usize) -> Option<&Arc<SourceFile>> {
        self.files.get(id).and_then(Option::as_ref)
    }
    /// The set's files.
    pub fn own_files(&self) -> impl Iterator<Item = &Arc<SourceFile>> {
        self.files.iter().flatten()
    }
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
    /// Prefixes and suffixes given to its name, innermost first (references pick by them).
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Res {
    fn new(node: Node) -> Res {
        Res {
            node,
            ids: Vec::new(),
            hash: false,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
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

/// Kinds kustomize's namespace transformer leaves alone: cluster-scoped in the Kubernetes
/// schema it ships, by API group and versions (at other versions, and for kinds it does not
/// know, it sets the namespace).
const KUSTOMIZE_CLUSTER_SCOPED: &[(&str, &[&str], &[&str])] = &[
    (
        "",
        &["v1"],
        &["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    ),
    (
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
    ),
    (
        "apiextensions.k8s.io",
        &["v1", "v1beta1"],
        &["CustomResourceDefinition"],
    ),
    (
        "apiregistration.k8s.io",
        &["v1", "v1beta1"],
        &["APIService"],
    ),
    (
        "certificates.k8s.io",
        &["v1", "v1beta1"],
        &["CertificateSigningRequest"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["v1beta1"],
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    ("networking.k8s.io", &["v1", "v1beta1"], &["IngressClass"]),
    ("node.k8s.io", &["v1", "v1beta1"], &["RuntimeClass"]),
    ("policy", &["v1beta1"], &["PodSecurityPolicy"]),
    (
        "rbac.authorization.k8s.io",
        &["v1", "v1beta1"],
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("scheduling.k8s.io", &["v1", "v1beta1"], &["PriorityClass"]),
    (
        "storage.k8s.io",
        &["v1", "v1beta1"],
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
    ),
];

fn kustomize_cluster_scoped(api_version: &str, kind: &str) -> bool {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    KUSTOMIZE_CLUSTER_SCOPED
        .iter()
        .any(|(g, vs, ks)| *g == group && vs.contains(&version) && ks.contains(&kind))
}

fn cluster_scoped(kind: &str) -> bool {
    crate::object::CLUSTER_SCOPED.contains(&kind)
}

pub use crate::kustomize::normalize;

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// The fields of a kustomization (kustomize refuses any other).
const FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// What kustomize's strict decoding refuses: an unknown field, or a number or boolean where
/// a string is expected.
fn validate(k: &Node) -> Result<()> {
    let not_string = |n: &Node| n.is_null().then_some(()).is_none() && n.as_string().is_none();
    let wrong = |n: &Node, what: &str| {
        Error::new(
            format!("invalid Kustomization: {what} must be a string"),
            Some(n.origin),
        )
    };
    for (key, v) in k.entries() {
        let Some(name) = key.as_str() else { continue };
        if !FIELDS.contains(&name) {
            return Err(Error::new(
                format!("invalid Kustomization: unknown field \"{name}\""),
                Some(key.origin),
            ));
        }
        match name {
            "namespace" | "namePrefix" | "nameSuffix" if not_string(v) => {
                return Err(wrong(v, &format!("`{name}`")));
            }
            "commonLabels" | "commonAnnotations" => {
                if let Some((k, _)) = v.entries().iter().find(|(_, x)| not_string(x)) {
                    return Err(wrong(k, &format!("a value of `{name}`")));
                }
            }
            "images" => {
                for i in v.items() {
                    for f in ["name", "newName", "newTag", "digest"] {
                        if let Some(x) = i.get(f).filter(|x| not_string(x)) {
                            return Err(wrong(x, &format!("`{f}` of an image")));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// kustomize's default load restrictor: a file (a resource, a patch, a replacement list)
/// must be in or below the kustomization's directory; directories (other kustomizations)
/// may be anywhere.
fn restrict(dir: &Path, path: &Path, at: Origin) -> Result<()> {
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
            Some(at),
        ));
    }
    Ok(())
}

/// Is this reference remote (kustomize would fetch it)?
fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@") || s.starts_with("github.com/")
}

/// Render the kustomization of `dir` as `kubectl kustomize dir` would.
pub fn build(dir: &Path) -> Result<Set> {
    build_with(dir, &Shared::default())
}

/// Files and parsed documents shared by the builds of one run: a base under several
/// overlays is read and parsed once. File ids (an origin's `file`) are the run's.
pub struct Shared<'k> {
    inner: std::sync::Mutex<Inner>,
    known: Option<&'k dyn Known>,
    /// Source bytes whose trees are cached.
    cache: usize,
}

impl Default for Shared<'_> {
    fn default() -> Self {
        Shared {
            inner: Default::default(),
            known: None,
            cache: CACHE_BYTES,
        }
    }
}

/// Files the caller has read and parsed already (the engine's kept trees), by name: the
/// renderer takes them instead of reading and parsing them again.
pub trait Known: Sync {
    fn known(&self, name: &str) -> Option<(Arc<SourceFile>, &yaml::Stream)>;
}

impl<'k> Shared<'k> {
    /// Builds that take the caller's trees, and cache `cache` bytes' worth of trees.
    pub fn with_known(known: &'k dyn Known, cache: usize) -> Self {
        Shared {
            inner: Default::default(),
            known: Some(known),
            cache,
        }
    }
}

#[derive(Default)]
struct Inner {
    /// Every file read, by id: its name, and its text while a build holds it (texts are not
    /// kept for the run: memory stays bounded by the sets being rendered).
    files: Vec<(Arc<str>, std::sync::Weak<SourceFile>)>,
    by_path: HashMap<PathBuf, u32>,
    /// Each file's documents as trees (or why not), while their text fits in the budget.
    docs: HashMap<u32, Arc<Result<Vec<Node>>>>,
    cached: usize,
}

/// Source bytes whose trees the shared cache keeps by default (beyond, files are parsed
/// each time): a tree costs several times its text.
pub const CACHE_BYTES: usize = 1024 * 1024;

impl Shared<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere leaves the data whole (every update is one insertion).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Render the kustomization of `dir`, sharing files and trees with other builds.
pub fn build_with(dir: &Path, shared: &Shared<'_>) -> Result<Set> {
    let mut r = Renderer {
        shared,
        held: HashMap::new(),
        budget: 0,
        unsupported: Vec::new(),
        visiting: Vec::new(),
        sort: None,
    };
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
    objects.retain(|o| !o.is_null());
    let sort = r.sort.as_ref();
    // `order: fifo` keeps the order objects were read in; `legacy` (the default) sorts.
    if sort.and_then(|s| s.str_at(&["order"])) != Some("fifo") {
        let names = |key: &str| -> Option<Vec<String>> {
            let list = sort?.path(&["legacySortOptions", key])?;
            Some(
                list.items()
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            )
        };
        sort_legacy(&mut objects, names("orderFirst"), names("orderLast"));
    }
    let count = shared.lock().files.len();
    let mut files = vec![None; count];
    for (id, f) in r.held {
        if let Some(slot) = files.get_mut(id as usize) {
            *slot = Some(f);
        }
    }
    Ok(Set {
        objects,
        files,
        unsupported: r.unsupported,
    })
}

struct Renderer<'s> {
    shared: &'s Shared<'s>,
    /// The files this build read, by id: their texts live as long as the build's set.
    held: HashMap<u32, Arc<SourceFile>>,
    /// Nodes left to make for inline patches (aliases are expanded: a small text could make
    /// a huge tree).
    budget: usize,
    unsupported: Vec<Unsupported>,
    /// Kustomizations being rendered (a cycle is an error, as in kustomize).
    visiting: Vec<PathBuf>,
    /// The top kustomization's `sortOptions`.
    sort: Option<Node>,
}

/// A file's documents as trees.
struct Docs {
    file: u32,
    roots: Vec<Node>,
}

impl Renderer<'_> {
    /// The error's message prefixed with the file, line and column it points at.
    fn locate(&self, e: Error) -> Error {
        let Some(at) = e.at else { return e };
        match self.held.get(&at.file) {
            Some(f) if !e.message.starts_with(&*f.name) => {
                let (line, col) = f.position(at.span.start);
                Error::new(format!("{}:{line}:{col}: {}", f.name, e.message), e.at)
            }
            _ => e,
        }
    }

    /// Read a file: once per build, and its id once per run.
    fn read(&mut self, path: &Path) -> std::result::Result<(u32, Arc<SourceFile>), String> {
        let path = normalize(path);
        let known = {
            let inner = self.shared.lock();
            inner.by_path.get(&path).and_then(|&i| {
                let (_, weak) = inner.files.get(i as usize)?;
                Some((i, weak.upgrade()))
            })
        };
        if let Some((i, alive)) = &known {
            if let Some(s) = self.held.get(i) {
                return Ok((*i, s.clone()));
            }
            if let Some(s) = alive {
                self.held.insert(*i, s.clone());
                return Ok((*i, s.clone()));
            }
        }
        let name: Arc<str> = crate::discover::name_of(&path).into();
        let source = match self.shared.known.and_then(|k| k.known(&name)) {
            Some((source, _)) => source,
            None => crate::engine::read_source(&path, name.clone())?,
        };
        // Budget of nodes for inline patches: proportional to what was read.
        self.budget = self
            .budget
            .saturating_add(4096 + 4 * source.text.len())
            .min(50_000_000);
        let mut inner = self.shared.lock();
        let i = match inner.by_path.get(&path) {
            // Known (read before, its text since dropped, or read meanwhile by another
            // build): the same id.
            Some(&i) => {
                if let Some(entry) = inner.files.get_mut(i as usize) {
                    match entry.1.upgrade() {
                        Some(theirs) => {
                            drop(inner);
                            self.held.insert(i, theirs.clone());
                            return Ok((i, theirs));
                        }
                        None => entry.1 = Arc::downgrade(&source),
                    }
                }
                i
            }
            None => {
                let i =
                    u32::try_from(inner.files.len()).map_err(|_| "too many files".to_string())?;
                inner.files.push((name, Arc::downgrade(&source)));
                inner.by_path.insert(path, i);
                i
            }
        };
        drop(inner);
        self.held.insert(i, source.clone());
        Ok((i, source))
    }

    /// A YAML file's documents as trees; a syntax error fails the build, as in kustomize.
    fn docs(&mut self, path: &Path, at: Option<Origin>) -> Result<Docs> {
        let (file, source) = self.read(path).map_err(|e| Error::new(e, at))?;
        let cached = self.shared.lock().docs.get(&file).cloned();
        let parsed = match cached {
            Some(p) => p,
            None => {
                // A tree the caller keeps is converted, not parsed again.
                let known = self.shared.known.and_then(|k| k.known(&source.name));
                let p = Arc::new(match known {
                    Some((_, stream)) => convert(file, &source, stream),
                    None => convert(file, &source, &yaml::parse_shared(&source.text)),
                });
                let mut inner = self.shared.lock();
                if inner.cached + source.text.len() <= self.shared.cache {
                    inner.cached += source.text.len();
                    inner.docs.insert(file, p.clone());
                }
                p
            }
        };
        // Trees the cache does not hold are this build's alone: moved, not copied.
        match Arc::try_unwrap(parsed) {
            Ok(Ok(roots)) => Ok(Docs { file, roots }),
            Ok(Err(e)) => Err(e),
            Err(shared) => match &*shared {
                Ok(roots) => Ok(Docs {
                    file,
                    roots: roots.clone(),
                }),
                Err(e) => Err(e.clone()),
            },
        }
    }
    /// Run the kustomization of `dir` on `list`: its resources are added, then its
    /// components, generators and transformers act on the whole list. A component runs on
    /// the list of the kustomization that names it; a resource directory on a list of its own.
    fn apply(&mut self, dir: &Path, list: &mut Vec<Res>, component: bool) -> Result<()> {
        // A kustomization including itself, or a directory above one being rendered (its
        // walk would meet it again): kustomize's cycle.
        if self.visiting.iter().any(|d| d.starts_with(dir)) {
            return Err(Error::new(
                format!(
                    "cycle detected: {} contains a kustomization being rendered",
                    dir.display()
                ),
                None,
            ));
        }
        if self.visiting.len() >= MAX_NESTING {
            return Err(Error::new(
                format!("kustomizations nested more than {MAX_NESTING} deep"),
                None,
            ));
        }
        let found = KUSTOMIZATION_FILES
            .iter()
            .filter(|f| dir.join(f).is_file())
            .count();
        if found > 1 {
            return Err(Error::new(
                format!(
                    "Found multiple kustomization files under: {}",
                    dir.display()
                ),
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
        // Built on its own, a Component renders; listed as a resource, it is refused.
        if !component && kind == "Component" && !self.visiting.is_empty() {
            return Err(Error::new(
                format!(
                    "{}: a Component is listed under `components`, not `resources`",
                    path.display()
                ),
                Some(k.origin),
            ));
        }
        if component && kind != "Component" {
            return Err(Error::new(
                format!(
                    "{}: a component must be of kind Component, not {kind}",
                    path.display()
                ),
                Some(k.origin),
            ));
        }
        if self.visiting.is_empty() {
            // The output order is the top kustomization's to choose.
            self.sort = k.get("sortOptions").cloned();
        }
        self.visiting.push(dir.to_path_buf());
        let result = self.apply_kustomization(dir, &k, list);
        self.visiting.pop();
        result
    }

    fn apply_kustomization(&mut self, dir: &Path, k: &Node, list: &mut Vec<Res>) -> Result<()> {
        validate(k)?;
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
        restrict(dir, &path, entry.origin)?;
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
            if r.name().is_empty() {
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
                let g = generate::generate(entry, options, dir, secret, self)
                    .map_err(|e| Error::new(e, Some(entry.origin)))?;
                let kind = if secret { "Secret" } else { "ConfigMap" };
                let made = Res {
                    hash: g.hash,
                    ..Res::new(g.object)
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
                    // As kustomize: the new object, with the old one's name and namespace,
                    // its labels and annotations under the new ones, and (merging) its
                    // data under the new data.
                    (behavior, Some(old)) => {
                        let mut new = made.node;
                        let fields: &[&str] = if behavior == Behavior::Merge {
                            &["data", "binaryData"]
                        } else {
                            &[]
                        };
                        for field in fields {
                            under(&mut new, &[field], old.node.get(field));
                        }
                        for field in ["labels", "annotations"] {
                            under(
                                &mut new,
                                &["metadata", field],
                                old.node.path(&["metadata", field]),
                            );
                        }
                        if let Some(name) = old.node.path(&["metadata", "name"]).cloned()
                            && let Some(m) = new.map_at("metadata", name.origin)
                        {
                            m.set("name", name);
                        }
                        match old.node.path(&["metadata", "namespace"]).cloned() {
                            Some(ns) => {
                                if let Some(m) = new.map_at("metadata", ns.origin) {
                                    m.set("namespace", ns);
                                }
                            }
                            None => {
                                if let Some(m) = new.get_mut("metadata") {
                                    m.remove("namespace");
                                }
                            }
                        }
                        old.node = new;
                        old.hash = old.hash && made.hash;
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
        replicas(k, list)?;
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
                    let file = normalize(&dir.join(rel));
                    restrict(dir, &file, entry.origin)?;
                    let docs = self.docs(&file, Some(entry.origin))?;
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
            replace(r, list, &mut self.budget)?;
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
            let file = normalize(&dir.join(rel));
            restrict(dir, &file, p.origin)?;
            let docs = self.docs(&file, Some(p.origin))?;
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
                    for r in list.iter_mut().filter(|r| selected(r, target)) {
                        r.remember();
                        // Under `patches:` kustomize's objects carry annotations of its own,
                        // so `add /metadata/annotations/x` works on one that has none.
                        let bare = r.node.path(&["metadata", "annotations"]).is_none();
                        if bare && let Some(m) = r.node.map_at("metadata", p.origin) {
                            m.set("annotations", Node::map(Origin::NONE));
                        }
                        patch::json6902_within(&mut r.node, &p, &mut self.budget)
                            .map_err(|e| Error::new(e, Some(p.origin)))?;
                        if bare
                            && r.node
                                .path(&["metadata", "annotations"])
                                .is_some_and(|a| a.is_map() && a.entries().is_empty())
                            && let Some(m) = r.node.get_mut("metadata")
                        {
                            m.remove("annotations");
                        }
                    }
                } else if let Some(target) = target {
                    let mut deleted = Vec::new();
                    for (i, r) in list
                        .iter_mut()
                        .enumerate()
                        .filter(|(_, r)| selected(r, target))
                    {
                        r.remember();
                        let (api, kind) = (r.api_version().to_string(), r.kind().to_string());
                        // The patch's own name and kind do not choose: the target does (they
                        // change it only when the options allow).
                        let mut p = p.clone();
                        let allows = |o: &str| {
                            entry.path(&["options", o]).and_then(Node::as_str) == Some("true")
                        };
                        if let Some(m) = p.get_mut("metadata") {
                            if !allows("allowNameChange") {
                                m.remove("name");
                            }
                            m.remove("namespace");
                        }
                        if !allows("allowKindChange") {
                            p.remove("kind");
                            p.remove("apiVersion");
                        }
                        let renamed = allows("allowNameChange")
                            .then(|| p.path(&["metadata", "name"]).cloned())
                            .flatten();
                        match patch::strategic_merge(&mut r.node, &p, &api, &kind)
                            .map_err(|e| Error::new(e, Some(p.origin)))?
                        {
                            Merged::Kept => {}
                            Merged::Deleted => deleted.push(i),
                        }
                        if let Some(name) = renamed
                            && let Some(m) = r.node.get_mut("metadata")
                        {
                            m.set("name", name);
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
                    patch::json6902_within(&mut r.node, &p, &mut self.budget)
                        .map_err(|e| Error::new(e, Some(p.origin)))?;
                }
            }
        }
        Ok(())
    }
}

/// The renderer as the generators' file reader.
impl generate::Reader for Renderer<'_> {
    fn read(&mut self, path: &Path) -> std::result::Result<(u32, Arc<SourceFile>), String> {
        Renderer::read(self, path)
    }
}

/// Put the entries of `old` (a map) under the map at `path` of `node`: those it lacks.
fn under(node: &mut Node, path: &[&str], old: Option<&Node>) {
    let Some(old) = old.filter(|o| o.is_map() && !o.entries().is_empty()) else {
        return;
    };
    let mut n = node;
    for key in path {
        let Some(next) = n.map_at(key, old.origin) else {
            return;
        };
        n = next;
    }
    for (k, v) in old.entries() {
        if let Some(k) = k.as_str()
            && n.get(k).is_none()
        {
            n.set(k, v.clone());
        }
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
    // kustomize finds the target by its whole id, now or before: apiVersion, kind, name and
    // namespace (none is `default`).
    let kind = p.str_at(&["kind"]).unwrap_or("");
    let api = p.str_at(&["apiVersion"]).unwrap_or("");
    let name = p.str_at(&["metadata", "name"]).unwrap_or("");
    let ns = p.str_at(&["metadata", "namespace"]).unwrap_or("");
    let found: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !r.node.is_null()
                && r.kind() == kind
                && r.api_version() == api
                && r.known_as(name, Some(ns))
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
    // The namespace as it is or was (none reads as `default`).
    let effective = |n: &str| {
        if n.is_empty() {
            "default".to_string()
        } else {
            n.to_string()
        }
    };
    if let Some(ns) = field("namespace")
        && !matches(ns, &effective(r.namespace()))
        && !r.ids.iter().any(|(_, was)| matches(ns, &effective(was)))
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
        // kustomize's namespace transformer gives bindings' subjects named `default` the
        // namespace (those of ServiceAccounts of the build follow them as references).
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(Value::Seq(subjects)) = r.node.get_mut("subjects").map(|s| &mut s.value)
        {
            for s in subjects.iter_mut() {
                if s.str_at(&["name"]) == Some("default") {
                    s.set("namespace", Node::string(ns.clone(), ns_node.origin));
                }
            }
        }
        if kind == "APIService"
            && r.group() == "apiregistration.k8s.io"
            && let Some(svc) = r
                .node
                .map_at("spec", ns_node.origin)
                .and_then(|s| s.map_at("service", ns_node.origin))
        {
            svc.set("namespace", Node::string(ns.clone(), ns_node.origin));
        }
        if kustomize_cluster_scoped(r.api_version(), &kind) {
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
        if !prefix.is_empty() {
            r.prefixes.push(prefix.to_string());
        }
        if !suffix.is_empty() {
            r.suffixes.push(suffix.to_string());
        }
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
    // (pairs, to templates, to selectors, extra field specs)
    type Set<'k> = (Vec<(String, &'k Node)>, bool, bool, &'k [Node]);
    let mut sets: Vec<Set> = Vec::new();
    // kustomize runs the `labels` entries first, `commonLabels` last (it wins a clash).
    for l in k.get("labels").map(Node::items).unwrap_or_default() {
        let pairs = pairs_of(l.get("pairs"));
        let selectors = l.get("includeSelectors").and_then(|b| b.as_str()) == Some("true");
        let templates =
            selectors || l.get("includeTemplates").and_then(|b| b.as_str()) == Some("true");
        let fields = l.get("fields").map(Node::items).unwrap_or_default();
        if !pairs.is_empty() {
            sets.push((pairs, templates, selectors, fields));
        }
    }
    let common = pairs_of(k.get("commonLabels"));
    if !common.is_empty() {
        sets.push((common, true, true, &[]));
    }
    for (pairs, templates, selectors, fields) in &sets {
        for r in list.iter_mut().filter(|r| !r.node.is_null()) {
            let kind = r.kind().to_string();
            set_pairs(&mut r.node, &["metadata", "labels"], true, pairs);
            for (kinds, path, create, selector) in LABEL_PATHS {
                let wanted = if *selector { *selectors } else { *templates };
                if wanted && kinds.contains(&kind.as_str()) {
                    set_pairs(&mut r.node, path, *create, pairs);
                }
            }
            if *selectors {
                for (kinds, path) in LABEL_SELECTORS_IN_LISTS {
                    if kinds.contains(&kind.as_str()) {
                        visit_path(&mut r.node, path, &mut |m| {
                            if m.is_map() {
                                set_pairs(m, &[], false, pairs);
                            }
                        });
                    }
                }
            }
            if *templates
                && kind == "StatefulSet"
                && let Some(Value::Seq(claims)) = r
                    .node
                    .path_mut(&["spec", "volumeClaimTemplates"])
                    .map(|v| &mut v.value)
            {
                for c in claims.iter_mut() {
                    set_pairs(c, &["metadata", "labels"], true, pairs);
                }
            }
            // `fields`: field specs of the user's own (path, and the kind they apply to).
            for f in fields.iter() {
                let Some(path) = f.str_at(&["path"]) else {
                    continue;
                };
                if f.str_at(&["kind"]).is_some_and(|k| k != kind)
                    || f.str_at(&["group"]).is_some_and(|g| g != r.group())
                {
                    continue;
                }
                let create = f.get("create").and_then(Node::as_str) == Some("true");
                let steps: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                set_pairs(&mut r.node, &steps, create, pairs);
            }
        }
    }
}

/// Label selectors inside lists, given labels only where they exist (kustomize's
/// commonLabels field specs with `create: false`).
const LABEL_SELECTORS_IN_LISTS: &[(&[&str], &str)] = &[
    (
        &["Deployment", "StatefulSet"],
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution[]/podAffinityTerm/labelSelector/matchLabels",
    ),
    (
        &["Deployment", "StatefulSet"],
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution[]/labelSelector/matchLabels",
    ),
    (
        &["Deployment", "StatefulSet"],
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution[]/podAffinityTerm/labelSelector/matchLabels",
    ),
    (
        &["Deployment", "StatefulSet"],
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution[]/labelSelector/matchLabels",
    ),
    (
        &["Deployment", "StatefulSet"],
        "spec/template/spec/topologySpreadConstraints[]/labelSelector/matchLabels",
    ),
    (
        &["NetworkPolicy"],
        "spec/ingress[]/from[]/podSelector/matchLabels",
    ),
    (
        &["NetworkPolicy"],
        "spec/egress[]/to[]/podSelector/matchLabels",
    ),
];

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

fn replicas(k: &Node, list: &mut [Res]) -> Result<()> {
    for entry in k.get("replicas").map(Node::items).unwrap_or_default() {
        let (Some(name), Some(count)) = (entry.str_at(&["name"]), entry.get("count")) else {
            continue;
        };
        let mut scaled = false;
        for r in list.iter_mut().filter(|r| {
            matches!(
                r.kind(),
                "Deployment" | "ReplicationController" | "ReplicaSet" | "StatefulSet"
            ) && r.known_as(name, None)
        }) {
            scaled = true;
            if let Some(spec) = r.node.map_at("spec", count.origin) {
                spec.set("replicas", count.clone());
            }
        }
        // Named, but not a kind with replicas: kustomize refuses it.
        if !scaled
            && list
                .iter()
                .any(|r| !r.node.is_null() && r.known_as(name, None))
        {
            return Err(Error::new(
                format!(
                    "`replicas`: `{name}` is not a Deployment, StatefulSet, ReplicaSet or \
                     ReplicationController"
                ),
                Some(entry.origin),
            ));
        }
    }
    Ok(())
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
        let value = if let (Some(t), Some(d)) = (new_tag, new_digest) {
            format!("{new_name}:{t}@{d}")
        } else if let Some(d) = new_digest {
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
            // `[k=v]`: the item whose k is v; `[a.b/c]`: a key with dots or slashes.
            if let Some(inner) = p.strip_prefix('[').and_then(|q| q.strip_suffix(']')) {
                return match inner.split_once('=') {
                    Some((k, v)) => Step::Item(k.to_string(), v.to_string()),
                    None => Step::Key(inner.to_string()),
                };
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
    // Names and namespaces are exact here (not patterns, as in a patch's target).
    let ns_ok = sel
        .get("namespace")
        .and_then(Node::as_str)
        .is_none_or(|want| {
            ns_eq(r.namespace(), want) || r.ids.iter().any(|(_, was)| ns_eq(was, want))
        });
    let name_ok = sel
        .get("name")
        .and_then(Node::as_str)
        .is_none_or(|want| r.name() == want || r.ids.iter().any(|(was, _)| was == want));
    name_ok && ns_ok && {
        let mut rest = sel.clone();
        rest.remove("name");
        rest.remove("namespace");
        selected(r, &rest)
    }
}

/// One replacement; the nodes it copies are taken from `budget` (a value copied into its
/// own source doubles at each replacement).
fn replace(rep: &Node, list: &mut [Res], budget: &mut usize) -> Result<()> {
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
                patch::charge(&value, budget).map_err(|e| Error::new(e, Some(fp.origin)))?;
                let steps = field_path(fp_text);
                let existed = lookup(&r.node, &steps).is_some();
                let Some(slot) = lookup_mut(&mut r.node, &steps, create, value.origin) else {
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
                    // A field made for it takes the text as written, typed anew (kustomize
                    // writes `42` from a source "42").
                    (_, None, Some(text)) if !existed => {
                        *slot = Node::plain(text, value.origin);
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
    (
        &["StatefulSet"],
        "StorageClass",
        "spec/volumeClaimTemplates[]/spec/storageClassName",
    ),
    (
        &["PersistentVolumeClaim", "PersistentVolume"],
        "StorageClass",
        "spec/storageClassName",
    ),
    (
        &["PersistentVolumeClaim"],
        "PersistentVolume",
        "spec/volumeName",
    ),
    (&["APIService"], "Service", "spec/service/name"),
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

/// An object references may name: what kustomize's name reference transformer knows of it.
struct Cand {
    kind: String,
    /// Names it had before (prefixes, suffixes, hashes), oldest first.
    was: Vec<String>,
    /// Its namespace when first read.
    org_ns: String,
    name: String,
    ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// kustomize's `SameEndingSubSlice`: the shorter list ends the longer one.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        long.is_empty()
    } else {
        long.ends_with(short)
    }
}

/// Of the candidates a reference may mean, the one kustomize picks: those the referrer's
/// prefixes and suffixes end, when several; then the only one, or the first when all now
/// have one name. None when it cannot tell (kustomize fails there; the value is left).
fn pick<'c>(mut cands: Vec<&'c Cand>, referrer: &Res) -> Option<&'c Cand> {
    if cands.len() > 1 {
        cands.retain(|c| {
            same_ending(&c.prefixes, &referrer.prefixes)
                && same_ending(&c.suffixes, &referrer.suffixes)
        });
    }
    let first = *cands.first()?;
    cands.iter().all(|c| c.name == first.name).then_some(first)
}

/// References to renamed objects (prefixes, suffixes, hashes) follow the new names, as
/// kustomize's name reference transformer does: a candidate in the referrer's namespace
/// (any, for a cluster-scoped referrer or candidate, or a ServiceAccount).
fn fix_references(list: &mut [Res]) {
    let cands: Vec<Cand> = list
        .iter()
        .filter(|r| !r.node.is_null())
        .map(|r| Cand {
            kind: r.kind().to_string(),
            was: r.ids.iter().map(|(n, _)| n.clone()).collect(),
            org_ns: r
                .ids
                .first()
                .map_or_else(|| r.namespace().to_string(), |(_, ns)| ns.clone()),
            name: r.name().to_string(),
            ns: r.namespace().to_string(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        })
        .collect();
    if cands.iter().all(|c| c.was.is_empty()) {
        return;
    }
    for r in list.iter_mut().filter(|r| !r.node.is_null()) {
        let kind = r.kind().to_string();
        let ns = r.namespace().to_string();
        let any_ns = cluster_scoped(&kind);
        let referrer = Res {
            node: Node::null(Origin::NONE),
            ids: Vec::new(),
            hash: false,
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        };
        let update = |named: &str, n: &mut Node| {
            let Some(value) = n.as_str() else { return };
            let found: Vec<&Cand> = cands
                .iter()
                .filter(|c| {
                    c.kind == named
                        && c.was.iter().any(|w| w == value)
                        && (any_ns
                            || cluster_scoped(&c.kind)
                            || c.kind == "ServiceAccount"
                            || ns_eq(&c.ns, &ns))
                })
                .collect();
            if let Some(c) = pick(found, &referrer)
                && c.name != value
            {
                let origin = n.origin;
                *n = Node::string(c.name.clone(), origin);
            }
        };
        if let Some(pod) = pod_spec_path(&kind) {
            for (named, path) in POD_REFERENCES {
                // kustomize's table names ConfigMaps and Secrets from every pod template but
                // a ReplicationController's, the rest from Pods and the usual workloads only.
                let refers = match *named {
                    "ConfigMap" | "Secret" => kind != "ReplicationController",
                    _ => !matches!(kind.as_str(), "ReplicaSet" | "PodTemplate"),
                };
                if refers {
                    visit_path(&mut r.node, &format!("{pod}/{path}"), &mut |n| {
                        update(named, n)
                    });
                }
            }
        }
        if kind == "Ingress"
            && let Some(annotations) = r.node.path_mut(&["metadata", "annotations"])
        {
            for (key, named) in [
                ("ingress.kubernetes.io/auth-secret", "Secret"),
                ("nginx.ingress.kubernetes.io/auth-secret", "Secret"),
                ("nginx.ingress.kubernetes.io/auth-tls-secret", "Secret"),
                (
                    "nginx.ingress.kubernetes.io/fastcgi-params-configmap",
                    "ConfigMap",
                ),
            ] {
                if let Some(n) = annotations.get_mut(key) {
                    update(named, n);
                }
            }
        }
        if matches!(kind.as_str(), "Role" | "ClusterRole") {
            visit_path(&mut r.node, "rules[]/resourceNames[]", &mut |n| {
                update("ConfigMap", n);
                update("Secret", n);
            });
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
            visit_path(&mut r.node, "subjects[]", &mut |m| {
                set_mapping(m, "ServiceAccount", &cands, &referrer)
            });
        }
        if matches!(
            kind.as_str(),
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
        ) {
            visit_path(&mut r.node, "webhooks[]/clientConfig/service", &mut |m| {
                set_mapping(m, "Service", &cands, &referrer)
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

/// A reference written as a map of name and namespace (a binding's subject, a webhook's
/// service): the candidates in the namespace it names (as first read, else now), and both
/// fields set to the one picked.
fn set_mapping(m: &mut Node, kind: &str, cands: &[Cand], referrer: &Res) {
    let Some(name) = m.str_at(&["name"]).map(str::to_string) else {
        return;
    };
    let named: Vec<&Cand> = cands
        .iter()
        .filter(|c| c.kind == kind && (c.was.contains(&name) || c.name == name))
        .collect();
    let pool: Vec<&Cand> = match m.str_at(&["namespace"]).map(str::to_string) {
        None => named,
        Some(ns) => {
            let first: Vec<&Cand> = named
                .iter()
                .copied()
                .filter(|c| ns_eq(&c.org_ns, &ns))
                .collect();
            if first.is_empty() {
                named.into_iter().filter(|c| ns_eq(&c.ns, &ns)).collect()
            } else {
                first
            }
        }
    };
    if let Some(c) = pick(pool, referrer) {
        let origin = m.get("name").map_or(m.origin, |n| n.origin);
        if c.name != name {
            m.set("name", Node::string(c.name.clone(), origin));
        }
        if !c.ns.is_empty() && m.str_at(&["namespace"]) != Some(c.ns.as_str()) {
            let origin = m.get("namespace").map_or(origin, |n| n.origin);
            m.set("namespace", Node::string(c.ns.clone(), origin));
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

fn sort_legacy(objects: &mut [Node], first: Option<Vec<String>>, last: Option<Vec<String>>) {
    let first: Vec<String> =
        first.unwrap_or_else(|| ORDER_FIRST.iter().map(|k| k.to_string()).collect());
    let last: Vec<String> =
        last.unwrap_or_else(|| ORDER_LAST.iter().map(|k| k.to_string()).collect());
    // kustomize's order: the kind's rank, then `group_version_kind` (no group is `~G`, after
    // every group), then `namespace|name` (no namespace is `~X`, last).
    let key = |o: &Node| {
        let kind = o.str_at(&["kind"]).unwrap_or("").to_string();
        let rank = match first.iter().position(|k| *k == kind) {
            Some(i) => i,
            None => match last.iter().position(|k| *k == kind) {
                Some(i) => first.len() + 1 + i,
                None => first.len(),
            },
        };
        let api = o.str_at(&["apiVersion"]).unwrap_or("");
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let group = if group.is_empty() { "~G" } else { group };
        let ns = o.str_at(&["metadata", "namespace"]).unwrap_or("");
        let ns = if ns.is_empty() { "~X" } else { ns };
        let name = o.str_at(&["metadata", "name"]).unwrap_or("");
        (
            rank,
            format!("{group}_{version}_{kind}"),
            format!("{ns}|{name}"),
        )
    };
    objects.sort_by_cached_key(key);
}

/// A file's documents as trees, at most `4096 + 4 × its bytes` nodes (aliases expanded).
fn convert(file: u32, source: &SourceFile, stream: &yaml::Stream) -> Result<Vec<Node>> {
    let mut budget = 4096 + 4 * source.text.len();
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
        let node = tree::from_yaml(root, file, &mut budget).map_err(|e| {
            Error::new(
                format!("{}: {}", source.name, e.0),
                Some(Origin {
                    file,
                    span: root.span(),
                }),
            )
        })?;
        roots.push(yaml12(node));
    }
    Ok(roots)
}

/// kustomize reads YAML 1.2, where `yes`, `no`, `on`, `off`, `y` and `n` are strings (not
/// booleans, as in the YAML 1.1 kubectl applies files with): through kustomize they stay
/// strings (it prints them quoted).
fn yaml12(mut node: Node) -> Node {
    let mut stack = vec![&mut node];
    while let Some(n) = stack.pop() {
        match &mut n.value {
            Value::Scalar(s) => {
                if s.style == crate::yaml::Style::Plain
                    && s.tag == crate::yaml::Tag::None
                    && matches!(
                        s.text.as_str(),
                        "y" | "Y"
                            | "yes"
                            | "Yes"
                            | "YES"
                            | "n"
                            | "N"
                            | "no"
                            | "No"
                            | "NO"
                            | "on"
                            | "On"
                            | "ON"
                            | "off"
                            | "Off"
                            | "OFF"
                    )
                {
                    s.tag = crate::yaml::Tag::Str;
                }
            }
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(e) => {
                for (k, v) in e.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    node
}
