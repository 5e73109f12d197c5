//! A read-only view of the whole linted set, for rules that look across objects.

use crate::object::Resource;
use crate::selector::Selector;
use std::collections::HashMap;

pub struct NetworkPolicy<'a> {
    pub resource: Resource<'a>,
    pub selector: Selector,
    /// The policy isolates the pods it selects for ingress (policyTypes explicit or implied).
    pub ingress: bool,
    pub egress: bool,
}

pub struct Index<'a> {
    /// Every object, in report order (file, then position).
    pub resources: Vec<Resource<'a>>,
    pub network_policies: Vec<NetworkPolicy<'a>>,
    /// StorageClass name → (provisioner, object), every definition in the set.
    storage_classes: HashMap<&'a str, Vec<(&'a str, Resource<'a>)>>,
    /// Namespace → ordinal of its first workload.
    first_workload: HashMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    pub fn build(mut resources: Vec<Resource<'a>>) -> Index<'a> {
        for (i, r) in resources.iter_mut().enumerate() {
            r.ordinal = i;
        }
        let mut network_policies = Vec::new();
        let mut storage_classes = HashMap::new();
        let mut first_workload = HashMap::new();
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
                first_workload.entry(r.namespace).or_insert(r.ordinal);
            }
        }
        Index {
            resources,
            network_policies,
            storage_classes,
            first_workload,
        }
    }

    /// Policies of `namespace` that select pods with these labels.
    pub fn policies_selecting<'s>(
        &'s self,
        namespace: &'s str,
        labels: &'s [(&'s str, &'s str)],
    ) -> impl Iterator<Item = &'s NetworkPolicy<'a>> + 's {
        self.network_policies
            .iter()
            .filter(move |p| p.resource.namespace == namespace && p.selector.matches(labels))
    }

    /// The StorageClass of that name, preferring a definition in the same file.
    pub fn storage_class(&self, name: &str, file: usize) -> Option<(&'a str, &Resource<'a>)> {
        let defs = self.storage_classes.get(name)?;
        defs.iter()
            .find(|(_, r)| r.file == file)
            .or_else(|| defs.first())
            .map(|(p, r)| (*p, r))
    }

    /// Is this object the first workload of its namespace in the set?
    pub fn is_first_workload(&self, r: &Resource) -> bool {
        self.first_workload.get(r.namespace) == Some(&r.ordinal)
    }

    pub fn workloads_in(&self, namespace: &str) -> usize {
        self.resources
            .iter()
            .filter(|r| r.namespace == namespace && r.runs_pods())
            .count()
    }
}
