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
        let claims: Vec<&str> = pod
            .spec
            .get("volumes")
            .into_iter()
            .flat_map(|v| v.items())
            .filter(|v| v.get("persistentVolumeClaim").is_some())
            .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
            .chain(
                res.root
                    .path(&["spec", "volumeClaimTemplates"])
                    .into_iter()
                    .flat_map(|t| t.items())
                    .filter_map(|t| t.path(&["metadata", "name"]).and_then(|n| n.as_str())),
            )
            .collect();
        if claims.is_empty() {
            return;
        }
        let annotated = pod
            .template
            .path(&["metadata", "annotations", ANNOTATION])
            .and_then(|a| a.as_str())
            .is_some_and(|a| !a.trim().is_empty());
        if annotated || cx.index.backed_up(res.namespace) {
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
