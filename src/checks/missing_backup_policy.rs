//! missing-backup-policy: a workload that keeps data on PersistentVolumeClaims with no backup
//! declared: no `backup.velero.io/backup-volumes` pod annotation and no Velero Schedule or
//! Backup of the set covering its namespace.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct MissingBackupPolicy;

pub const CHECKS: &[(&str, Factory)] = &[("missing-backup-policy", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingBackupPolicy))
}

const ANNOTATION: &str = "backup.velero.io/backup-volumes";

impl Check for MissingBackupPolicy {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        if !res.runs_pods() || res.templated_namespace() {
            return;
        }
        // A claim every container mounts read-only holds data written elsewhere (its writer
        // is the one to back up). Unmounted claims still count: a manifest may leave mounts out.
        let read_only = |volume: &str| {
            let mut mounts = pod.containers.iter().flat_map(|c| {
                c.get("volumeMounts")
                    .into_iter()
                    .flat_map(|m| m.items())
                    .filter(move |m| m.get("name").and_then(|n| n.as_str()) == Some(volume))
            });
            let mut any = false;
            let all_ro = mounts.all(|m| {
                any = true;
                m.get("readOnly").and_then(|r| r.as_bool()) == Some(true)
            });
            any && all_ro
        };
        let mut claims: Vec<&str> = pod
            .spec
            .get("volumes")
            .into_iter()
            .flat_map(|v| v.items())
            .filter(|v| {
                v.get("persistentVolumeClaim")
                    .is_some_and(|c| c.get("readOnly").and_then(|r| r.as_bool()) != Some(true))
            })
            .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
            .chain(
                res.root
                    .path(&["spec", "volumeClaimTemplates"])
                    .into_iter()
                    .flat_map(|t| t.items())
                    .filter_map(|t| t.path(&["metadata", "name"]).and_then(|n| n.as_str())),
            )
            .filter(|v| !read_only(v))
            .collect();
        let mut seen = std::collections::HashSet::new();
        claims.retain(|c| seen.insert(*c));
        // The annotation lists the volumes Velero backs up with the pod.
        let annotated: Vec<&str> = pod
            .template
            .path(&["metadata", "annotations", ANNOTATION])
            .and_then(|a| a.as_str())
            .map(|a| a.split(',').map(str::trim).collect())
            .unwrap_or_default();
        claims.retain(|c| !annotated.contains(c));
        if claims.is_empty() || cx.index.backed_up(res.namespace) {
            return;
        }
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "the volumes {} of {} have no backup declared",
                    crate::rule::code_list(&claims),
                    res.display()
                ),
            )
            .label("no Velero Schedule or Backup for the namespace, no backup-volumes annotation"),
        );
    }
}
