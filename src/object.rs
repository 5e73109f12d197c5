//! The Kubernetes view of a document: apiVersion, kind, name, namespace, pod template.

use crate::finding::ResourceRef;
use crate::yaml::{NodeRef, ScalarType, Span};

/// Kinds that live outside namespaces (a finding on them names no namespace).
pub const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeSnapshotClass",
];

/// API groups whose documents are tool configuration files, not cluster objects
/// (kustomization.yaml, kubeconfig, kubeadm, kind): skipped like any non-object YAML.
const CONFIG_GROUPS: &[&str] = &[
    "kustomize.config.k8s.io",
    "kubeadm.k8s.io",
    "kubelet.config.k8s.io",
    "kubeproxy.config.k8s.io",
    "kubescheduler.config.k8s.io",
    "apiserver.config.k8s.io",
    "apiserver.k8s.io",
    "audit.k8s.io",
    "client.authentication.k8s.io",
    "kind.x-k8s.io",
    "k3d.io",
    "skaffold",
    "config.kubernetes.io",
    "install.istio.io",
    // AdmissionReview: a webhook's request and response, not a cluster object.
    "admission.k8s.io",
];

/// Where each workload kind keeps its pod template, by API group.
struct Template {
    kind: &'static str,
    groups: &'static [&'static str],
    path: &'static [&'static str],
}

const TEMPLATES: &[Template] = &[
    Template {
        kind: "Pod",
        groups: &[""],
        path: &[],
    },
    Template {
        kind: "PodTemplate",
        groups: &[""],
        path: &["template"],
    },
    Template {
        kind: "ReplicationController",
        groups: &[""],
        path: &["spec", "template"],
    },
    Template {
        kind: "Deployment",
        groups: &["apps", "extensions"],
        path: &["spec", "template"],
    },
    Template {
        kind: "ReplicaSet",
        groups: &["apps", "extensions"],
        path: &["spec", "template"],
    },
    Template {
        kind: "DaemonSet",
        groups: &["apps", "extensions"],
        path: &["spec", "template"],
    },
    Template {
        kind: "StatefulSet",
        groups: &["apps"],
        path: &["spec", "template"],
    },
    Template {
        kind: "Job",
        groups: &["batch"],
        path: &["spec", "template"],
    },
    Template {
        kind: "CronJob",
        groups: &["batch"],
        path: &["spec", "jobTemplate", "spec", "template"],
    },
    // Argo Rollouts and OpenShift DeploymentConfigs run pods like Deployments do.
    Template {
        kind: "Rollout",
        groups: &["argoproj.io"],
        path: &["spec", "template"],
    },
    Template {
        kind: "DeploymentConfig",
        groups: &["apps.openshift.io", ""],
        path: &["spec", "template"],
    },
];

pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// A `kind: List` or typed list (`DeploymentList`) whose items are objects, as kubectl reads it.
pub fn is_list(root: NodeRef) -> bool {
    let kind = root.get("kind").and_then(|k| k.as_str());
    kind.is_some_and(|k| k.ends_with("List"))
        && root.get("apiVersion").is_some()
        && match root.get("items") {
            Some(i) => i.is_seq() || i.is_null(),
            // A `kind: List` without items is an empty list (kubectl applies nothing).
            None => kind == Some("List"),
        }
}

/// True when a mapping is a tool's configuration file rather than a cluster object.
pub fn is_config_file(api_version: &str, kind: &str) -> bool {
    let group = group_of(api_version);
    CONFIG_GROUPS.contains(&group)
        || api_version.starts_with("skaffold/")
        || api_version == "builtin"
        // kubeconfig files, and the legacy kube-scheduler policy file.
        || (api_version == "v1" && matches!(kind, "Config" | "Policy"))
}

/// One Kubernetes object of the linted set.
#[derive(Clone, Copy)]
pub struct Resource<'a> {
    /// Position in the run's file list.
    pub file: usize,
    /// Position of the object in the whole set (its order in the report).
    pub ordinal: usize,
    pub root: NodeRef<'a>,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    /// Effective namespace ("" for cluster-scoped kinds).
    pub namespace: &'a str,
    /// An item of a `kind: List` document.
    pub in_list: bool,
    /// `pod_template`, found once: a dozen rules ask for it.
    template: Option<NodeRef<'a>>,
}

impl<'a> Resource<'a> {
    /// A mapping with string `apiVersion` and `kind` is an object.
    /// `forced_namespace`: set by a kustomization over the object's own.
    /// `typed`: the apiVersion and kind a typed list (`kind: DeploymentList`) gives items
    /// that leave them out, as kubectl does.
    pub fn from_node(
        file: usize,
        root: NodeRef<'a>,
        default_namespace: &'a str,
        forced_namespace: Option<&'a str>,
        in_list: bool,
        typed: Option<(&'a str, &'a str)>,
    ) -> Option<Resource<'a>> {
        let text = |key: &str| {
            root.get(key)
                .filter(|v| v.scalar_type() == Some(ScalarType::Str))
                .and_then(|v| v.as_str())
        };
        let api_version = text("apiVersion").or(typed.map(|t| t.0))?;
        let kind = text("kind").or(typed.map(|t| t.1))?;
        let meta = root.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(|n| n.as_str())
            .or_else(|| {
                meta.and_then(|m| m.get("generateName"))
                    .and_then(|n| n.as_str())
            });
        let namespace = if CLUSTER_SCOPED.contains(&kind) {
            ""
        } else if let Some(ns) = forced_namespace {
            ns
        } else {
            meta.and_then(|m| m.get("namespace"))
                .and_then(|n| n.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or(default_namespace)
        };
        let mut res = Resource {
            file,
            ordinal: 0,
            root,
            api_version,
            kind,
            name,
            namespace,
            in_list,
            template: None,
        };
        res.template = res.find_pod_template();
        Some(res)
    }

    /// The object seen from another node as its root (a rule reading a pod template's
    /// fields as an object's).
    pub fn with_root(&self, root: NodeRef<'a>) -> Resource<'a> {
        let mut view = Resource { root, ..*self };
        view.template = view.find_pod_template();
        view
    }

    pub fn group(&self) -> &'a str {
        group_of(self.api_version)
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    pub fn metadata(&self) -> Option<NodeRef<'a>> {
        self.root.get("metadata")
    }

    /// `Deployment shop/api`, `StorageClass local`, `Secret shop/<unnamed>`.
    pub fn display(&self) -> String {
        let name = self.name.unwrap_or("<unnamed>");
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, name)
        }
    }

    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.to_string(),
            kind: self.kind.to_string(),
            namespace: (!self.namespace.is_empty()).then(|| self.namespace.to_string()),
            name: self.name.map(str::to_string),
        }
    }

    /// Where a finding about the whole object points: `metadata.name`'s value, else
    /// the start of the object (its first key).
    pub fn name_span(&self) -> Span {
        if let Some(m) = self.metadata() {
            for key in ["name", "generateName"] {
                if let Some(n) = m.get(key).filter(|n| !n.is_null()) {
                    return n.span();
                }
            }
        }
        self.start_span()
    }

    /// The object's first entry (`apiVersion: v1`): where "the document" starts.
    pub fn start_span(&self) -> Span {
        self.root
            .entries()
            .next()
            .map(|(k, v)| {
                if v.is_map() || v.is_seq() {
                    k.span()
                } else {
                    k.span().to(v.span())
                }
            })
            .unwrap_or_else(|| self.root.span())
    }

    /// The pod template (a mapping with `metadata` and `spec`), or the Pod itself.
    /// Kinds we do not know (Knative Services, operators' workloads) count when their
    /// `spec.template.spec.containers` is a list, the shape every controller copies.
    pub fn pod_template(&self) -> Option<NodeRef<'a>> {
        self.template
    }

    fn find_pod_template(&self) -> Option<NodeRef<'a>> {
        let group = self.group();
        match TEMPLATES.iter().find(|t| t.kind == self.kind) {
            Some(t) if t.groups.contains(&group) => {
                if t.path.is_empty() {
                    Some(self.root)
                } else {
                    self.root.path(t.path)
                }
            }
            Some(_) => None,
            None => self
                .root
                .path(&["spec", "template"])
                .filter(|t| t.path(&["spec", "containers"]).is_some_and(|c| c.is_seq())),
        }
    }

    pub fn pod_spec(&self) -> Option<NodeRef<'a>> {
        self.pod_template()?.get("spec").filter(|s| s.is_map())
    }

    /// Pods run by this object: it has a pod template.
    pub fn is_workload(&self) -> bool {
        self.pod_spec().is_some()
    }

    /// Runs pods (a PodTemplate object only describes them).
    pub fn runs_pods(&self) -> bool {
        self.kind != "PodTemplate" && self.is_workload()
    }

    /// `hostNetwork: true`: NetworkPolicies cannot select these pods' traffic.
    pub fn host_network(&self) -> bool {
        self.pod_spec()
            .and_then(|s| s.get("hostNetwork"))
            .and_then(|h| h.as_bool())
            == Some(true)
    }

    /// `namespace: ${NAMESPACE}`: filled in by a template tool, so unknown here.
    pub fn templated_namespace(&self) -> bool {
        is_templated(self.namespace)
    }

    /// Every label its pods carry, for selectors: the controller's, then the template's.
    pub fn selector_labels(&self) -> Vec<(&'a str, &'a str)> {
        let mut all = self.controller_labels();
        all.extend(self.pod_labels());
        all
    }

    /// Labels the pods get (template labels; a Pod's own labels).
    pub fn pod_labels(&self) -> Vec<(&'a str, &'a str)> {
        self.pod_template()
            .and_then(|t| t.path(&["metadata", "labels"]))
            .map(|l| {
                l.entries()
                    .filter_map(|(k, v)| Some((k.as_str()?, v.as_str().unwrap_or(""))))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Labels the controller adds to the pods it creates, for selector matching.
    /// A value known only at run time (a pod's name, a hash) is `UNKNOWN_VALUE`.
    pub fn controller_labels(&self) -> Vec<(&'a str, &'a str)> {
        let name = self.name.unwrap_or(UNKNOWN_VALUE);
        match (self.group(), self.kind) {
            ("batch", "Job") => vec![
                ("job-name", name),
                ("batch.kubernetes.io/job-name", name),
                ("controller-uid", UNKNOWN_VALUE),
                ("batch.kubernetes.io/controller-uid", UNKNOWN_VALUE),
            ],
            ("batch", "CronJob") => vec![
                ("job-name", UNKNOWN_VALUE),
                ("batch.kubernetes.io/job-name", UNKNOWN_VALUE),
                ("controller-uid", UNKNOWN_VALUE),
                ("batch.kubernetes.io/controller-uid", UNKNOWN_VALUE),
            ],
            ("apps", "StatefulSet") => vec![
                ("statefulset.kubernetes.io/pod-name", UNKNOWN_VALUE),
                ("apps.kubernetes.io/pod-index", UNKNOWN_VALUE),
                ("controller-revision-hash", UNKNOWN_VALUE),
            ],
            ("apps", "DaemonSet") => vec![
                ("controller-revision-hash", UNKNOWN_VALUE),
                ("pod-template-generation", UNKNOWN_VALUE),
            ],
            ("apps" | "extensions", "Deployment") | ("argoproj.io", "Rollout") => {
                vec![("pod-template-hash", UNKNOWN_VALUE)]
            }
            _ => Vec::new(),
        }
    }

    /// Effective replica count of a scalable workload (absent means 1).
    pub fn replicas(&self) -> Option<i64> {
        match self.kind {
            "Deployment"
            | "StatefulSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Rollout"
            | "DeploymentConfig" => Some(
                self.root
                    .path(&["spec", "replicas"])
                    .and_then(|r| r.as_i64())
                    .unwrap_or(1),
            ),
            _ => None,
        }
    }
}

/// A label value known only at run time: present, but equal to no value a selector names
/// (label values cannot contain NUL).
pub const UNKNOWN_VALUE: &str = "\0";

/// A value left for a template tool (envsubst, Helm) to fill in.
pub fn is_templated(v: &str) -> bool {
    v.contains("${") || v.contains("$(") || v.contains("{{")
}
