//! stateful-workload-without-persistent-volume: a StatefulSet whose state has nowhere
//! durable to go (no volumeClaimTemplates, no PVC-backed volume).

use crate::object::Resource;
use crate::rule::code_list;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct StatefulWithoutPv;

/// Volume sources whose data lives off the node.
const NETWORK_VOLUMES: &[&str] = &[
    "persistentVolumeClaim",
    "nfs",
    "cephfs",
    "rbd",
    "iscsi",
    "glusterfs",
    "cinder",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "portworxVolume",
    "vsphereVolume",
];

pub const CHECKS: &[(&str, Factory)] = &[("stateful-workload-without-persistent-volume", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(StatefulWithoutPv))
}

impl Check for StatefulWithoutPv {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("apps", "StatefulSet") {
            return;
        }
        let has_templates = res
            .root
            .path(&["spec", "volumeClaimTemplates"])
            .is_some_and(|t| t.items().next().is_some());
        let volumes: Vec<_> = res
            .pod_spec()
            .and_then(|s| s.get("volumes"))
            .map(|v| v.items().collect())
            .unwrap_or_default();
        let has_claim = volumes.iter().any(|v| {
            NETWORK_VOLUMES.iter().any(|k| v.get(k).is_some())
                || v.get("csi").is_some_and(|c| {
                    // The secrets-store driver mounts secrets, not data.
                    c.get("driver").and_then(|d| d.as_str()) != Some("secrets-store.csi.k8s.io")
                })
        });
        if has_templates || has_claim {
            return;
        }
        let local: Vec<&str> = volumes
            .iter()
            .filter(|v| v.get("emptyDir").is_some() || v.get("hostPath").is_some())
            .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
            .collect();
        let label = if local.is_empty() {
            "no volumeClaimTemplates: state lives in the container".to_string()
        } else {
            format!(
                "no volumeClaimTemplates: state lives in node-local {}",
                code_list(&local)
            )
        };
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "{} has no persistent volume: its data is lost when a pod moves",
                    res.display()
                ),
            )
            .label(label),
        );
    }
}
