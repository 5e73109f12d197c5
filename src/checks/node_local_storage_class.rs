//! node-local-storage-class: a StorageClass that provisions node-local volumes, and the
//! claims that use one (defined in the linted set, or known by name).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::yaml::NodeRef;

struct NodeLocalStorageClass {
    provisioners: Vec<String>,
    classes: Vec<String>,
}

const PROVISIONERS: &[&str] = &[
    "kubernetes.io/no-provisioner",
    "rancher.io/local-path",
    "openebs.io/local",
    "microk8s.io/hostpath",
    "k8s.io/minikube-hostpath",
    "docker.io/hostpath",
    // CSI drivers whose volumes live on one node's disks.
    "hostpath.csi.k8s.io",
    "topolvm.io",
    "topolvm.cybozu.com",
    "local.csi.openebs.io",
    "zfs.csi.openebs.io",
    "lvm.csi.metal-stack.io",
    "kubevirt.io/hostpath-provisioner",
    "kubevirt.io.hostpath-provisioner",
];

/// Class names that are node-local on the distributions that ship them.
const CLASSES: &[&str] = &[
    "local-path",
    "local-storage",
    "openebs-hostpath",
    "microk8s-hostpath",
    "hostpath",
];

pub const CHECKS: &[(&str, Factory)] = &[("node-local-storage-class", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[
        "provisioners",
        "classes",
        "extra_provisioners",
        "extra_classes",
    ])?;
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // `extra_*` add to the lists (what a team's .onus.yaml usually wants); the plain keys
    // replace them.
    let mut provisioners = p
        .str_list("provisioners")?
        .unwrap_or_else(|| own(PROVISIONERS));
    provisioners.extend(p.str_list("extra_provisioners")?.unwrap_or_default());
    let mut classes = p.str_list("classes")?.unwrap_or_else(|| own(CLASSES));
    classes.extend(p.str_list("extra_classes")?.unwrap_or_default());
    Ok(Box::new(NodeLocalStorageClass {
        provisioners,
        classes,
    }))
}

impl NodeLocalStorageClass {
    /// Why this class name is node-local, if it is.
    fn why_local(&self, cx: &Cx, file: usize, class: &str) -> Option<String> {
        if let Some((prov, sc)) = cx.index.storage_class(class, file) {
            return self
                .provisioners
                .iter()
                .any(|p| p == prov)
                .then(|| format!("StorageClass {class} ({}) uses {prov}", file_hint(cx, sc)));
        }
        self.classes
            .iter()
            .any(|c| c == class)
            .then(|| format!("`{class}` is a node-local class"))
    }

    /// A claim: `spec.storageClassName`, or the legacy annotation on its metadata.
    fn claim(
        &self,
        cx: &Cx,
        file: usize,
        what: &str,
        meta: Option<NodeRef>,
        spec: Option<NodeRef>,
        out: &mut Vec<Hit>,
    ) {
        let entry = spec.and_then(|s| s.entry("storageClassName")).or_else(|| {
            meta.and_then(|m| m.get("annotations"))
                .and_then(|a| a.entry("volume.beta.kubernetes.io/storage-class"))
        });
        let Some((k, v)) = entry else { return };
        let Some(class) = v.as_str() else { return };
        if let Some(why) = self.why_local(cx, file, class) {
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!("{what} asks for node-local storage class `{class}`"),
                )
                .label(why),
            );
        }
    }
}

fn file_hint(cx: &Cx, file: usize) -> String {
    cx.files
        .get(file)
        .map(|f| f.name.to_string())
        .unwrap_or_default()
}

impl Check for NodeLocalStorageClass {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if res.is("storage.k8s.io", "StorageClass") {
            if let Some((k, v)) = res.root.entry("provisioner") {
                let prov = v.as_str().unwrap_or("");
                if self.provisioners.iter().any(|p| p == prov) {
                    out.push(
                        Hit::new(
                            k.span().to(v.span()),
                            format!(
                                "{} provisions volumes on the node's own disk ({prov})",
                                res.display()
                            ),
                        )
                        .label("node-local provisioner: data stays on one node"),
                    );
                }
            }
        } else if res.is("", "PersistentVolumeClaim") {
            let what = format!("PersistentVolumeClaim {}", display_ns(res));
            self.claim(
                cx,
                res.file,
                &what,
                res.metadata(),
                res.root.get("spec"),
                out,
            );
        } else if res.is("apps", "StatefulSet") {
            let Some(templates) = res.root.path(&["spec", "volumeClaimTemplates"]) else {
                return;
            };
            for t in templates.items() {
                let name = t
                    .path(&["metadata", "name"])
                    .and_then(|n| n.as_str())
                    .unwrap_or("<unnamed>");
                let what = format!("volumeClaimTemplate `{name}` of {}", res.display());
                self.claim(cx, res.file, &what, t.get("metadata"), t.get("spec"), out);
            }
        }
    }
}

fn display_ns(res: &Resource) -> String {
    format!("{}/{}", res.namespace, res.name.unwrap_or("<unnamed>"))
}
