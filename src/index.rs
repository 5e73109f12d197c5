//! A read-only view of the whole linted set, for rules that look across objects.

use crate::object::Resource;
use crate::selector::{Labels, Selector};
use crate::yaml::NodeRef;
use std::collections::HashMap;

/// A NetworkPolicy of the set, as the rules read it.
pub struct NetworkPolicy {
    pub namespace: String,
    pub name: Option<String>,
    pub selector: Selector,
    /// The policy isolates the pods it selects for ingress (policyTypes explicit or implied).
    pub ingress: bool,
    pub egress: bool,
}

/// What the linted set holds of one namespace.
#[derive(Default, Clone, Copy)]
pub struct NamespaceFacts {
    /// Ordinal of its first workload.
    pub first_workload: Option<usize>,
    /// Workloads (objects that run pods) in it.
    pub workloads: usize,
    /// A policy selecting all its pods (`podSelector: {}`) isolates them for ingress.
    pub default_deny: bool,
    /// Ordinal of its `Namespace` object, when the set holds one.
    pub object: Option<usize>,
}

/// A value built once (the `objects` a CEL rule reads) and its widest list or map.
pub type Built = Option<(Box<dyn cel::common::value::Val>, usize)>;

/// One object as a CEL value, and its widest list or map (None: too large to convert).
type ReadObject = Option<(Box<dyn cel::common::value::Val>, usize)>;

/// What the objects of a file give the index, gathered while their tree is at hand: the
/// index owns it all, so trees can be dropped (or parsed again) before the rules run.
/// Gathered per file in parallel, joined in file order.
#[derive(Default)]
pub struct Gathered {
    /// (namespace, ordinal) of each workload: what most files give.
    workloads: Vec<(String, usize)>,
    /// The rest, which few files give: a file's facts stay small (a set has many files).
    rest: Option<Box<Rest>>,
    /// How many sets of kinds rules read.
    reads: usize,
}

#[derive(Default)]
struct Rest {
    network_policies: Vec<NetworkPolicy>,
    /// (name, provisioner, file) of each StorageClass.
    storage_classes: Vec<(String, String, usize)>,
    /// (name, ordinal) of each Namespace object.
    namespace_objects: Vec<(String, usize)>,
    /// ((namespace, target kind, target name), minimum) of each autoscaler.
    autoscalers: Vec<((String, String, String), i64)>,
    disruption_budgets: Vec<(String, Selector)>,
    backed_up: Vec<(Vec<String>, Vec<String>)>,
    skaffold_images: Vec<(usize, String)>,
    /// For each set of kinds a rule reads: the values of the objects of those kinds.
    read: Vec<Vec<ReadObject>>,
}

impl Gathered {
    /// Gather for `reads`, the sets of kinds the rules read (`Check::reads`).
    pub fn new(reads: usize) -> Self {
        Gathered {
            reads,
            ..Gathered::default()
        }
    }

    fn rest(&mut self) -> &mut Rest {
        let reads = self.reads;
        self.rest.get_or_insert_with(|| {
            Box::new(Rest {
                read: (0..reads).map(|_| Vec::new()).collect(),
                ..Rest::default()
            })
        })
    }

    /// What one object gives (its ordinal already set).
    pub fn add(&mut self, r: &Resource, reads: &[Vec<String>]) {
        let owned = |s: &str| s.to_string();
        if r.is("networking.k8s.io", "NetworkPolicy") || r.is("extensions", "NetworkPolicy") {
            let spec = r.root.get("spec");
            let selector = Selector::from_node(spec.and_then(|s| s.get("podSelector")));
            // An empty or null list is defaulted by the API server like an absent one.
            let types: Option<Vec<&str>> = spec
                .and_then(|s| s.get("policyTypes"))
                .map(|t| t.items().filter_map(|i| i.as_str()).collect::<Vec<_>>())
                .filter(|t| !t.is_empty());
            let (ingress, egress) = match types {
                Some(t) => (t.contains(&"Ingress"), t.contains(&"Egress")),
                // The API's default: Ingress always, Egress when egress rules exist.
                None => (
                    true,
                    spec.and_then(|s| s.get("egress"))
                        .is_some_and(|e| !e.is_null()),
                ),
            };
            self.rest().network_policies.push(NetworkPolicy {
                namespace: owned(r.namespace),
                name: r.name.map(owned),
                selector,
                ingress,
                egress,
            });
        }
        if r.is("storage.k8s.io", "StorageClass")
            && let (Some(name), Some(p)) =
                (r.name, r.root.get("provisioner").and_then(|p| p.as_str()))
        {
            self.rest()
                .storage_classes
                .push((owned(name), owned(p), r.file));
        }
        if r.runs_pods() {
            self.workloads.push((owned(r.namespace), r.ordinal));
        }
        // A KEDA ScaledObject drives an HPA of its own: minReplicaCount (default 0) is
        // its floor; its target's kind defaults to Deployment.
        if r.is("keda.sh", "ScaledObject") {
            let spec = r.root.get("spec");
            let target = spec.and_then(|s| s.get("scaleTargetRef"));
            let text = |k: &str| target.and_then(|t| t.get(k)).and_then(|v| v.as_str());
            if let Some(name) = text("name") {
                let min = spec
                    .and_then(|s| s.get("minReplicaCount"))
                    .and_then(|m| m.as_i64())
                    .unwrap_or(0);
                let kind = text("kind").unwrap_or("Deployment");
                self.rest()
                    .autoscalers
                    .push(((owned(r.namespace), owned(kind), owned(name)), min));
            }
        }
        if r.kind == "HorizontalPodAutoscaler" && r.group() == "autoscaling" {
            let spec = r.root.get("spec");
            let target = spec.and_then(|s| s.get("scaleTargetRef"));
            let text = |k: &str| target.and_then(|t| t.get(k)).and_then(|v| v.as_str());
            if let (Some(kind), Some(name)) = (text("kind"), text("name")) {
                let min = spec
                    .and_then(|s| s.get("minReplicas"))
                    .and_then(|m| m.as_i64())
                    .unwrap_or(1);
                self.rest()
                    .autoscalers
                    .push(((owned(r.namespace), owned(kind), owned(name)), min));
            }
        }
        if r.is("policy", "PodDisruptionBudget") {
            let sel = Selector::from_node(r.root.path(&["spec", "selector"]));
            self.rest()
                .disruption_budgets
                .push((owned(r.namespace), sel));
        }
        if r.group() == "velero.io" && matches!(r.kind, "Schedule" | "Backup") {
            let spec = r.root.get("spec");
            let spec = if r.kind == "Schedule" {
                spec.and_then(|s| s.get("template"))
            } else {
                spec
            };
            let names = |k: &str| -> Vec<String> {
                spec.and_then(|s| s.get(k))
                    .into_iter()
                    .flat_map(|l| l.items())
                    .filter_map(|n| n.as_str())
                    .map(owned)
                    .collect()
            };
            let mut included = names("includedNamespaces");
            if included.is_empty() {
                included.push("*".into());
            }
            self.rest()
                .backed_up
                .push((included, names("excludedNamespaces")));
        }
        if r.is("", "Namespace")
            && let Some(name) = r.name
        {
            self.rest().namespace_objects.push((owned(name), r.ordinal));
        }
        for (n, kinds) in reads.iter().enumerate() {
            if kinds.iter().any(|k| k == r.kind)
                && let Some(values) = self.rest().read.get_mut(n)
            {
                values.push(crate::celx::object_val(r, None));
            }
        }
    }

    /// Read a Skaffold Config (`skaffold/*` documents are tool configuration, not objects):
    /// the images its builds produce, its profiles' included.
    pub fn add_skaffold_config(&mut self, file: usize, root: NodeRef) {
        let builds = root.get("build").into_iter().chain(
            root.get("profiles")
                .into_iter()
                .flat_map(|p| p.items())
                .filter_map(|p| p.get("build")),
        );
        for b in builds {
            let artifacts = b.get("artifacts").into_iter().flat_map(|a| a.items());
            for image in artifacts.filter_map(|a| a.get("image").and_then(|i| i.as_str())) {
                self.rest().skaffold_images.push((file, image.to_string()));
            }
        }
    }

    /// The images Skaffold configs of these files build: (file, image).
    pub fn skaffold_images(&self) -> &[(usize, String)] {
        self.rest
            .as_ref()
            .map_or(&[], |r| r.skaffold_images.as_slice())
    }

    /// Images Skaffold configs of the run build (they hold for every set of the run).
    pub fn add_skaffold_images(&mut self, images: &[(usize, String)]) {
        if !images.is_empty() {
            self.rest().skaffold_images.extend_from_slice(images);
        }
    }

    /// Nothing gathered.
    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty() && self.rest.is_none()
    }

    /// Say which file (of the run) gave what one file's objects gave: gathered before the
    /// file had its place.
    pub fn set_file(&mut self, file: usize) {
        let Some(rest) = &mut self.rest else {
            return;
        };
        for (_, _, f) in &mut rest.storage_classes {
            *f = file;
        }
        for (f, _) in &mut rest.skaffold_images {
            *f = file;
        }
    }

    /// Append what a later file gave, its ordinals counted from `offset`.
    pub fn append(&mut self, mut other: Gathered, offset: usize) {
        for (_, o) in &mut other.workloads {
            *o += offset;
        }
        self.workloads.append(&mut other.workloads);
        let Some(mut theirs) = other.rest else {
            return;
        };
        for (_, o) in &mut theirs.namespace_objects {
            *o += offset;
        }
        let mine = self.rest();
        mine.network_policies.append(&mut theirs.network_policies);
        mine.storage_classes.append(&mut theirs.storage_classes);
        mine.namespace_objects.append(&mut theirs.namespace_objects);
        mine.autoscalers.append(&mut theirs.autoscalers);
        mine.disruption_budgets
            .append(&mut theirs.disruption_budgets);
        mine.backed_up.append(&mut theirs.backed_up);
        mine.skaffold_images.append(&mut theirs.skaffold_images);
        for (mine, theirs) in mine.read.iter_mut().zip(theirs.read) {
            mine.extend(theirs);
        }
    }
}

pub struct Index {
    pub network_policies: Vec<NetworkPolicy>,
    /// StorageClass name → (provisioner, file), every definition in the set.
    storage_classes: HashMap<String, Vec<(String, usize)>>,
    /// What the set holds of each namespace.
    namespaces: HashMap<String, NamespaceFacts>,
    /// Policies (positions in `network_policies`) by one label (key, value; None for
    /// `Exists`) that every pod they select must have: the least shared such requirement
    /// of each. Matching a pod then looks only at the policies of its own labels, not at
    /// every policy of the set (n pods × n policies was quadratic).
    policies_by_label: HashMap<String, KeyPolicies>,
    /// HorizontalPodAutoscalers: namespace → (target kind, target name, minReplicas).
    autoscalers: HashMap<String, Vec<(String, String, i64)>>,
    /// PodDisruptionBudgets: namespace and selector.
    pub disruption_budgets: Vec<(String, Selector)>,
    /// Namespaces each Velero Schedule or Backup of the set includes (`*`: all) and excludes.
    backed_up: Vec<(Vec<String>, Vec<String>)>,
    /// By namespace, the policies no label of a pod can find (`{}`, only `NotIn` or
    /// `DoesNotExist`).
    policies_unindexed: HashMap<String, Vec<usize>>,
    /// Images a Skaffold Config of the set builds: (its file, the artifact's image). Skaffold
    /// tags them when it renders the manifests under its directory.
    pub skaffold_images: Vec<(usize, String)>,
    /// The objects of the kinds each rule reads, by the kinds (joined with `,`).
    read: HashMap<String, std::sync::Arc<Built>>,
    /// What a rule computes once per run from the whole set and reads for every object, by
    /// a key the rule chooses.
    memo: crate::rule::Memo,
}

impl Index {
    /// The index of what the files gave, joined in file order; `reads` as given to
    /// `Gathered::new`.
    pub fn build(g: Gathered, reads: &[Vec<String>]) -> Index {
        let workloads = g.workloads;
        let mut g = g.rest.map(|r| *r).unwrap_or_default();
        g.read.resize_with(reads.len(), Vec::new);
        let mut storage_classes: HashMap<String, Vec<(String, usize)>> = HashMap::new();
        for (name, provisioner, file) in g.storage_classes {
            storage_classes
                .entry(name)
                .or_default()
                .push((provisioner, file));
        }
        let mut namespaces: HashMap<String, NamespaceFacts> = HashMap::new();
        for (ns, ordinal) in workloads {
            let facts = namespaces.entry(ns).or_default();
            facts.first_workload.get_or_insert(ordinal);
            facts.workloads += 1;
        }
        for (name, ordinal) in g.namespace_objects {
            namespaces
                .entry(name)
                .or_default()
                .object
                .get_or_insert(ordinal);
        }
        for p in &g.network_policies {
            if p.ingress && p.selector.is_empty() {
                namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .default_deny = true;
            }
        }
        // The later of two autoscalers of one target wins, as before.
        let mut autoscalers: HashMap<String, Vec<(String, String, i64)>> = HashMap::new();
        for ((ns, kind, name), min) in g.autoscalers {
            let slot = autoscalers.entry(ns).or_default();
            match slot.iter_mut().find(|(k, n, _)| *k == kind && *n == name) {
                Some(found) => found.2 = min,
                None => slot.push((kind, name, min)),
            }
        }
        let mut read = HashMap::new();
        for (kinds, values) in reads.iter().zip(g.read) {
            let built: Built = (|| {
                let mut widest = 0;
                let mut list = Vec::with_capacity(values.len());
                for v in values {
                    let (v, w) = v?;
                    widest = widest.max(w);
                    list.push(v);
                }
                widest = widest.max(list.len());
                Some((crate::celx::val_list(list), widest))
            })();
            read.insert(kinds.join(","), std::sync::Arc::new(built));
        }
        let (policies_by_label, policies_unindexed) = index_policies(&g.network_policies);
        Index {
            network_policies: g.network_policies,
            storage_classes,
            namespaces,
            autoscalers,
            disruption_budgets: g.disruption_budgets,
            backed_up: g.backed_up,
            policies_by_label,
            policies_unindexed,
            skaffold_images: g.skaffold_images,
            read,
            memo: crate::rule::Memo::default(),
        }
    }

    /// The value computed once per run under `key` (by `make`, the first time it is asked
    /// for; rules run in parallel, so others wait for it).
    pub fn memo<T: Send + Sync + 'static>(
        &self,
        key: &str,
        make: impl FnOnce() -> T,
    ) -> Option<std::sync::Arc<T>> {
        self.memo.get_or(key, make)
    }

    /// The objects of these kinds (as a rule's `reads` names them), built while gathering.
    pub fn read(&self, kinds: &[String]) -> Option<std::sync::Arc<Built>> {
        self.read.get(&kinds.join(",")).cloned()
    }

    /// The policies whose selector matches these labels, in set order: those of
    /// `namespace`, or of any namespace when None (then only those a label finds). Of
    /// policies alike in namespace, selector and policy types, only the first is seen.
    pub fn policies_matching<'s>(
        &'s self,
        labels: &Labels,
        namespace: Option<&str>,
    ) -> Vec<&'s NetworkPolicy> {
        let mut candidates: Vec<usize> = namespace
            .and_then(|ns| self.policies_unindexed.get(ns))
            .cloned()
            .unwrap_or_default();
        for (k, v) in labels.pairs() {
            if let Some(found) = self.policies_by_label.get(k) {
                candidates.extend(KeyPolicies::of(&found.exists, namespace));
                if let Some(by_ns) = found.values.get(v) {
                    candidates.extend(KeyPolicies::of(by_ns, namespace));
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter_map(|i| self.network_policies.get(i))
            .filter(|p| namespace.is_none_or(|ns| p.namespace == ns))
            .filter(|p| p.selector.matches(labels))
            .collect()
    }

    /// Policies of `namespace` that select pods with these labels.
    pub fn policies_selecting<'s>(
        &'s self,
        namespace: &str,
        labels: &Labels,
    ) -> Vec<&'s NetworkPolicy> {
        self.policies_matching(labels, Some(namespace))
    }

    /// The StorageClass of that name (its provisioner and file), preferring a definition in
    /// the same file.
    pub fn storage_class(&self, name: &str, file: usize) -> Option<(&str, usize)> {
        let defs = self.storage_classes.get(name)?;
        defs.iter()
            .find(|(_, f)| *f == file)
            .or_else(|| defs.first())
            .map(|(p, f)| (p.as_str(), *f))
    }

    /// The minReplicas of an autoscaler of the set that scales this object.
    pub fn autoscaler_min(&self, r: &Resource) -> Option<i64> {
        let name = r.name?;
        self.autoscalers
            .get(r.namespace)?
            .iter()
            .find(|(k, n, _)| k == r.kind && n == name)
            .map(|t| t.2)
    }

    /// The replicas the object runs at least: its own count, or its autoscaler's minimum.
    pub fn min_replicas(&self, r: &Resource) -> Option<i64> {
        let own = r.replicas()?;
        Some(self.autoscaler_min(r).unwrap_or(own))
    }

    /// Does a Velero Schedule or Backup of the set cover this namespace?
    pub fn backed_up(&self, namespace: &str) -> bool {
        self.backed_up.iter().any(|(included, excluded)| {
            included.iter().any(|n| n == "*" || n == namespace)
                && !excluded.iter().any(|n| n == "*" || n == namespace)
        })
    }

    /// What the set holds of a namespace.
    pub fn namespace(&self, name: &str) -> NamespaceFacts {
        self.namespaces.get(name).copied().unwrap_or_default()
    }
}

/// The policies indexed under one label key.
#[derive(Default)]
struct KeyPolicies {
    /// Policies that need the key to exist, by namespace.
    exists: HashMap<String, Vec<usize>>,
    /// Policies that need one of these values, by value then namespace (the same app label
    /// in forty namespaces is forty small lists, not one long one).
    values: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl KeyPolicies {
    /// The policies of `namespace` (every namespace when None) in a by-namespace map.
    fn of<'m>(
        map: &'m HashMap<String, Vec<usize>>,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = usize> + 'm {
        let (one, all) = match namespace {
            Some(ns) => (map.get(ns), None),
            None => (None, Some(map.values())),
        };
        one.into_iter()
            .chain(all.into_iter().flatten())
            .flatten()
            .copied()
    }
}

type PolicyIndex = (HashMap<String, KeyPolicies>, HashMap<String, Vec<usize>>);

/// Index each policy under its requirement that the fewest policies share.
fn index_policies(policies: &[NetworkPolicy]) -> PolicyIndex {
    let mut shared: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for p in policies {
        for keys in p.selector.requirement_keys() {
            for key in keys {
                *shared.entry(key).or_insert(0) += 1;
            }
        }
    }
    let mut by_label: HashMap<String, KeyPolicies> = HashMap::new();
    let mut unindexed: HashMap<String, Vec<usize>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for (i, p) in policies.iter().enumerate() {
        let alike = (p.namespace.as_str(), &p.selector, p.ingress, p.egress);
        if p.selector.is_invalid() || !seen.insert(alike) {
            continue;
        }
        let cost = |keys: &Vec<(&str, Option<&str>)>| {
            keys.iter()
                .map(|k| shared.get(k).copied().unwrap_or(0))
                .sum::<usize>()
        };
        match p.selector.requirement_keys().into_iter().min_by_key(cost) {
            Some(keys) => {
                for (k, v) in keys {
                    let slot = by_label.entry(k.to_string()).or_default();
                    let ns = p.namespace.clone();
                    match v {
                        Some(v) => slot
                            .values
                            .entry(v.to_string())
                            .or_default()
                            .entry(ns)
                            .or_default()
                            .push(i),
                        None => slot.exists.entry(ns).or_default().push(i),
                    }
                }
            }
            None => unindexed.entry(p.namespace.clone()).or_default().push(i),
        }
    }
    (by_label, unindexed)
}
