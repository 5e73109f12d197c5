//! One view of the pods an object runs, built once per object: every container with the
//! list it comes from, its index and name, and the effective security context (a container
//! field overrides the pod's, as Kubernetes resolves them). Container rules read it.

use crate::object::Resource;
use crate::yaml::NodeRef;

/// Which list of the pod spec a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerList {
    Init,
    Main,
    Ephemeral,
}

impl ContainerList {
    pub const ALL: [ContainerList; 3] = [
        ContainerList::Init,
        ContainerList::Main,
        ContainerList::Ephemeral,
    ];

    /// The pod spec key.
    pub fn key(self) -> &'static str {
        match self {
            ContainerList::Init => "initContainers",
            ContainerList::Main => "containers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }

    /// How a message names a container of this list.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerList::Init => "init container",
            ContainerList::Main => "container",
            ContainerList::Ephemeral => "ephemeral container",
        }
    }
}

/// One container of a pod spec.
#[derive(Clone, Copy)]
pub struct Container<'a> {
    pub list: ContainerList,
    /// Position in its list.
    pub index: usize,
    pub node: NodeRef<'a>,
}

impl<'a> Container<'a> {
    /// Its `name`, or `#index` when it has none.
    pub fn name(&self) -> String {
        match self.node.get("name").and_then(|n| n.as_str()) {
            Some(n) => n.to_string(),
            None => format!("#{}", self.index),
        }
    }

    /// `container `web``, `init container `migrate`` for messages.
    pub fn describe(&self) -> String {
        // Built piece by piece: a message each for most findings on containers.
        let (noun, name) = (self.list.noun(), self.name());
        let mut s = String::with_capacity(noun.len() + name.len() + 3);
        s.push_str(noun);
        s.push_str(" `");
        s.push_str(&name);
        s.push('`');
        s
    }

    /// Its path in the pod spec: `containers[name=web]`, or by index without a name.
    pub fn path(&self) -> String {
        match self.node.get("name").and_then(|n| n.as_str()) {
            Some(n) => format!("{}[name={n}]", self.list.key()),
            None => format!("{}[{}]", self.list.key(), self.index),
        }
    }

    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        self.node.get(key)
    }

    /// Its image reference, when written as text.
    pub fn image(&self) -> Option<&'a str> {
        self.node
            .get("image")
            .and_then(|i| i.as_str())
            .map(str::trim)
            .filter(|i| !i.is_empty())
    }

    /// The pause image (`registry.k8s.io/pause:3.9`) holds a namespace and does nothing:
    /// it has no port, shell or process to probe.
    pub fn is_pause(&self) -> bool {
        self.image().is_some_and(|i| {
            let name = i.split('@').next().unwrap_or(i);
            let name = name.rsplit('/').next().unwrap_or(name);
            let repo = name.split(':').next().unwrap_or(name);
            repo == "pause" || repo.starts_with("pause-")
        })
    }

    /// An init container with `restartPolicy: Always` is a sidecar: it runs beside the
    /// main containers for the pod's life, and takes probes like them.
    pub fn is_sidecar(&self) -> bool {
        self.list == ContainerList::Init
            && self
                .node
                .get("restartPolicy")
                .and_then(|r| r.as_str())
                .is_some_and(|r| r == "Always")
    }

    /// Where to point when a container lacks a setting: its `name` entry, else its start.
    pub fn anchor(&self) -> crate::yaml::Span {
        match self.node.entry("name") {
            Some((k, v)) => k.span().to(v.span()),
            None => {
                let s = self.node.span();
                crate::yaml::Span::new(s.start, s.start)
            }
        }
    }
}

/// Fields a pod's securityContext may set for all its containers (PodSecurityContext).
const POD_LEVEL: &[&str] = &[
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
    "appArmorProfile",
];

/// A security setting in effect for a container: the value, its key, and whether it comes
/// from the pod's securityContext.
#[derive(Clone, Copy)]
pub struct Setting<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
    pub from_pod: bool,
}

/// The pods an object runs.
pub struct PodView<'a> {
    pub template: NodeRef<'a>,
    pub spec: NodeRef<'a>,
    pub containers: Vec<Container<'a>>,
}

impl<'a> PodView<'a> {
    /// The view of an object with a pod template (None for other objects).
    pub fn of(res: &Resource<'a>) -> Option<PodView<'a>> {
        let template = res.pod_template()?;
        let spec = template.get("spec").filter(|s| s.is_map())?;
        let mut containers = Vec::new();
        for list in ContainerList::ALL {
            let items = spec.get(list.key()).into_iter().flat_map(|l| l.items());
            for (index, node) in items.enumerate() {
                if node.is_map() {
                    containers.push(Container { list, index, node });
                }
            }
        }
        Some(PodView {
            template,
            spec,
            containers,
        })
    }

    /// Windows pods have no Linux users, capabilities or root fs flags: `os.name: windows`,
    /// or a node selector that only schedules them on Windows nodes.
    pub fn is_windows(&self) -> bool {
        let windows = |n: Option<NodeRef>| {
            n.and_then(|n| n.as_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("windows"))
        };
        windows(self.spec.path(&["os", "name"]))
            || ["kubernetes.io/os", "beta.kubernetes.io/os"]
                .iter()
                .any(|k| windows(self.spec.path(&["nodeSelector", k])))
    }

    /// Does the container run privileged? It then has every capability and may escalate
    /// whatever else it sets (and the API server refuses `allowPrivilegeEscalation: false`
    /// beside it), so the finer security rules leave it to privileged-container.
    pub fn privileged(&self, c: &Container<'a>) -> bool {
        self.security(c, "privileged")
            .is_some_and(|s| s.value.as_bool() == Some(true))
    }

    /// Does the container add CAP_SYS_ADMIN? Like `privileged`, it may always escalate.
    pub fn adds_sys_admin(&self, c: &Container<'a>) -> bool {
        c.get("securityContext")
            .and_then(|s| s.path(&["capabilities", "add"]))
            .into_iter()
            .flat_map(|a| a.items())
            .filter_map(|a| a.as_str())
            .any(|a| {
                let a = a.trim().to_ascii_uppercase();
                a == "SYS_ADMIN" || a == "CAP_SYS_ADMIN"
            })
    }

    /// `hostUsers: false`: the pod runs in a user namespace, so its uid 0 is not the node's.
    pub fn own_user_namespace(&self) -> bool {
        self.spec
            .get("hostUsers")
            .is_some_and(|h| h.as_bool() == Some(false))
    }

    /// The pod-level setting `key` of the pod spec (`hostPID`, `hostIPC`, ...).
    pub fn pod_field(&self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        self.spec.entry(key)
    }

    /// The effective securityContext field of a container: its own when set (and not null),
    /// else the pod's for the fields a pod may set.
    pub fn security(&self, c: &Container<'a>, field: &str) -> Option<Setting<'a>> {
        let own = c
            .get("securityContext")
            .and_then(|s| s.entry(field))
            .filter(|(_, v)| !v.is_null());
        if let Some((key, value)) = own {
            return Some(Setting {
                key,
                value,
                from_pod: false,
            });
        }
        if !POD_LEVEL.contains(&field) {
            return None;
        }
        self.spec
            .get("securityContext")
            .and_then(|s| s.entry(field))
            .filter(|(_, v)| !v.is_null())
            .map(|(key, value)| Setting {
                key,
                value,
                from_pod: true,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn containers_of_every_list_and_the_effective_security_context() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true, runAsUser: 1000}\n      initContainers: [{name: init, securityContext: {runAsUser: 0}}]\n      containers:\n      - name: web\n        securityContext: {privileged: true}\n      - {}\n";
        let s = parse(text);
        let root = crate::yaml::NodeRef::root(&s.documents[0]).unwrap();
        let res = Resource::from_node(0, root, "default", None, false, None).unwrap();
        let pod = PodView::of(&res).unwrap();
        let names: Vec<String> = pod.containers.iter().map(|c| c.path()).collect();
        assert_eq!(
            names,
            [
                "initContainers[name=init]",
                "containers[name=web]",
                "containers[1]"
            ]
        );
        let init = &pod.containers[0];
        let user = pod.security(init, "runAsUser").unwrap();
        assert_eq!((user.value.as_i64(), user.from_pod), (Some(0), false));
        let web = &pod.containers[1];
        let user = pod.security(web, "runAsUser").unwrap();
        assert_eq!((user.value.as_i64(), user.from_pod), (Some(1000), true));
        assert!(pod.security(web, "privileged").is_some());
        // Container-only fields never come from the pod.
        assert!(pod.security(&pod.containers[2], "privileged").is_none());
    }
}
