//! A read-only view of the whole linted set, for rules that look across objects.

use crate::object::Resource;
use crate::selector::{Labels, Selector};
use crate::yaml::NodeRef;
use std::collections::HashMap;

pub struct NetworkPolicy<'a> {
    pub resource: Resource<'a>,
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

pub struct Index<'a> {
    /// Every object, in report order (file, then position).
    pub resources: Vec<Resource<'a>>,
    pub network_policies: Vec<NetworkPolicy<'a>>,
    /// StorageClass name → (provisioner, object), every definition in the set.
    storage_classes: HashMap<&'a str, Vec<(&'a str, Resource<'a>)>>,
    /// What the set holds of each namespace.
    namespaces: HashMap<&'a str, NamespaceFacts>,
    /// Policies (positions in `network_policies`) by one label (key, value; None for
    /// `Exists`) that every pod they select must have: the least shared such requirement
    /// of each. Matching a pod then looks only at the policies of its own labels, not at
    /// every policy of the set (n pods × n policies was quadratic).
    policies_by_label: HashMap<String, KeyPolicies<'a>>,
    /// HorizontalPodAutoscalers: (namespace, target kind, target name) → minReplicas.
    autoscalers: HashMap<(&'a str, &'a str, &'a str), i64>,
    /// PodDisruptionBudgets: namespace and selector.
    pub disruption_budgets: Vec<(&'a str, Selector)>,
    /// Namespaces each Velero Schedule or Backup of the set includes (`*`: all) and excludes.
    backed_up: Vec<(Vec<&'a str>, Vec<&'a str>)>,
    /// By namespace, the policies no label of a pod can find (`{}`, only `NotIn` or
    /// `DoesNotExist`).
    policies_unindexed: HashMap<&'a str, Vec<usize>>,
    /// Images a Skaffold Config of the set builds: (its file, the artifact's image). Skaffold
    /// tags them when it renders the manifests under its directory.
    pub skaffold_images: Vec<(usize, &'a str)>,
    /// What a rule computes once per run from the whole set and reads for every object (the
    /// `objects` a CEL rule reads), by a key the rule chooses.
    memo: crate::rule::Memo,
}

impl<'a> Index<'a> {
    pub fn build(mut resources: Vec<Resource<'a>>) -> Index<'a> {
        for (i, r) in resources.iter_mut().enumerate() {
            r.ordinal = i;
        }
        let mut network_policies = Vec::new();
        let mut storage_classes = HashMap::new();
        let mut namespaces: HashMap<&'a str, NamespaceFacts> = HashMap::new();
        let mut autoscalers = HashMap::new();
        let mut disruption_budgets = Vec::new();
        let mut backed_up = Vec::new();
        for r in &resources {
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
                network_policies.push(NetworkPolicy {
                    resource: *r,
                    selector,
                    ingress,
                    egress,
                });
            }
            if r.is("storage.k8s.io", "StorageClass")
                && let (Some(name), Some(p)) =
                    (r.name, r.root.get("provisioner").and_then(|p| p.as_str()))
            {
                storage_classes
                    .entry(name)
                    .or_insert_with(Vec::new)
                    .push((p, *r));
            }
            if r.runs_pods() {
                let ns = namespaces.entry(r.namespace).or_default();
                ns.first_workload.get_or_insert(r.ordinal);
                ns.workloads += 1;
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
                    autoscalers.insert(
                        (r.namespace, text("kind").unwrap_or("Deployment"), name),
                        min,
                    );
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
                    autoscalers.insert((r.namespace, kind, name), min);
                }
            }
            if r.is("policy", "PodDisruptionBudget") {
                let sel = Selector::from_node(r.root.path(&["spec", "selector"]));
                disruption_budgets.push((r.namespace, sel));
            }
            if r.group() == "velero.io" && matches!(r.kind, "Schedule" | "Backup") {
                let spec = r.root.get("spec");
                let spec = if r.kind == "Schedule" {
                    spec.and_then(|s| s.get("template"))
                } else {
                    spec
                };
                let names = |k: &str| -> Vec<&'a str> {
                    spec.and_then(|s| s.get(k))
                        .into_iter()
                        .flat_map(|l| l.items())
                        .filter_map(|n| n.as_str())
                        .collect()
                };
                let mut included = names("includedNamespaces");
                if included.is_empty() {
                    included.push("*");
                }
                backed_up.push((included, names("excludedNamespaces")));
            }
            if r.is("", "Namespace")
                && let Some(name) = r.name
            {
                namespaces
                    .entry(name)
                    .or_default()
                    .object
                    .get_or_insert(r.ordinal);
            }
        }
        for p in &network_policies {
            if p.ingress && p.selector.is_empty() {
                namespaces
                    .entry(p.resource.namespace)
                    .or_default()
                    .default_deny = true;
            }
        }
        let (policies_by_label, policies_unindexed) = index_policies(&network_policies);
        Index {
            resources,
            network_policies,
            storage_classes,
            namespaces,
            autoscalers,
            disruption_budgets,
            backed_up,
            policies_by_label,
            policies_unindexed,
            skaffold_images: Vec::new(),
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

    /// Read a Skaffold Config (`skaffold/*` documents are tool configuration, not objects):
    /// the images its builds produce, its profiles' included.
    pub fn add_skaffold_config(&mut self, file: usize, root: NodeRef<'a>) {
        let builds = root.get("build").into_iter().chain(
            root.get("profiles")
                .into_iter()
                .flat_map(|p| p.items())
                .filter_map(|p| p.get("build")),
        );
        for b in builds {
            let artifacts = b.get("artifacts").into_iter().flat_map(|a| a.items());
            self.skaffold_images.extend(
                artifacts
                    .filter_map(|a| a.get("image").and_then(|i| i.as_str()))
                    .map(|i| (file, i)),
            );
        }
    }

    /// The policies whose selector matches these labels, in set order: those of
    /// `namespace`, or of any namespace when None (then only those a label finds). Of
    /// policies alike in namespace, selector and policy types, only the first is seen.
    pub fn policies_matching<'s>(
        &'s self,
        labels: &Labels,
        namespace: Option<&str>,
    ) -> Vec<&'s NetworkPolicy<'a>> {
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
            .filter(|p| namespace.is_none_or(|ns| p.resource.namespace == ns))
            .filter(|p| p.selector.matches(labels))
            .collect()
    }

    /// Policies of `namespace` that select pods with these labels.
    pub fn policies_selecting<'s>(
        &'s self,
        namespace: &str,
        labels: &Labels,
    ) -> Vec<&'s NetworkPolicy<'a>> {
        self.policies_matching(labels, Some(namespace))
    }

    /// The StorageClass of that name, preferring a definition in the same file.
    pub fn storage_class(&self, name: &str, file: usize) -> Option<(&'a str, &Resource<'a>)> {
        let defs = self.storage_classes.get(name)?;
        defs.iter()
            .find(|(_, r)| r.file == file)
            .or_else(|| defs.first())
            .map(|(p, r)| (*p, r))
    }

    /// The minReplicas of an autoscaler of the set that scales this object.
    pub fn autoscaler_min(&self, r: &Resource) -> Option<i64> {
        self.autoscalers
            .get(&(r.namespace, r.kind, r.name?))
            .copied()
    }

    /// The replicas the object runs at least: its own count, or its autoscaler's minimum.
    pub fn min_replicas(&self, r: &Resource) -> Option<i64> {
        let own = r.replicas()?;
        Some(self.autoscaler_min(r).unwrap_or(own))
    }

    /// Does a Velero Schedule or Backup of the set cover this namespace?
    pub fn backed_up(&self, namespace: &str) -> bool {
        self.backed_up.iter().any(|(included, excluded)| {
            included.iter().any(|n| *n == "*" || *n == namespace)
                && !excluded.iter().any(|n| *n == "*" || *n == namespace)
        })
    }

    /// What the set holds of a namespace.
    pub fn namespace(&self, name: &str) -> NamespaceFacts {
        self.namespaces.get(name).copied().unwrap_or_default()
    }
}

/// The policies indexed under one label key.
#[derive(Default)]
struct KeyPolicies<'a> {
    /// Policies that need the key to exist, by namespace.
    exists: HashMap<&'a str, Vec<usize>>,
    /// Policies that need one of these values, by value then namespace (the same app label
    /// in forty namespaces is forty small lists, not one long one).
    values: HashMap<String, HashMap<&'a str, Vec<usize>>>,
}

impl KeyPolicies<'_> {
    /// The policies of `namespace` (every namespace when None) in a by-namespace map.
    fn of<'m>(
        map: &'m HashMap<&str, Vec<usize>>,
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

type PolicyIndex<'a> = (
    HashMap<String, KeyPolicies<'a>>,
    HashMap<&'a str, Vec<usize>>,
);

/// Index each policy under its requirement that the fewest policies share.
fn index_policies<'a>(policies: &[NetworkPolicy<'a>]) -> PolicyIndex<'a> {
    let mut shared: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for p in policies {
        for keys in p.selector.requirement_keys() {
            for key in keys {
                *shared.entry(key).or_insert(0) += 1;
            }
        }
    }
    let mut by_label: HashMap<String, KeyPolicies<'a>> = HashMap::new();
    let mut unindexed: HashMap<&'a str, Vec<usize>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for (i, p) in policies.iter().enumerate() {
        let alike = (p.resource.namespace, &p.selector, p.ingress, p.egress);
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
                    let ns = p.resource.namespace;
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
            None => unindexed.entry(p.resource.namespace).or_default().push(i),
        }
    }
    (by_label, unindexed)
}
