//! secret-in-env-literal: a credential written into a container's environment.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::secrets::{SecretNames, find_credential, is_literal_secret_value};

struct SecretInEnvLiteral {
    names: SecretNames,
}

pub const CHECKS: &[(&str, Factory)] = &[("secret-in-env-literal", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["words", "ignore_words"])?;
    Ok(Box::new(SecretInEnvLiteral {
        names: SecretNames::from_params(p)?,
    }))
}

impl Check for SecretInEnvLiteral {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        for c in cx.pod.iter().flat_map(|p| &p.containers) {
            for env in c.get("env").iter().flat_map(|e| e.items()) {
                let Some(name) = env.get("name").and_then(|n| n.as_str()) else {
                    continue;
                };
                let Some((k, v)) = env.entry("value") else {
                    continue;
                };
                let Some(value) = v.as_str() else { continue };
                let what = if let Some((kind, _)) = find_credential(value) {
                    kind
                } else if self.names.is_secret_like(name)
                    && is_literal_secret_value(value)
                    && !self.names.is_stand_in(name, value)
                {
                    "a literal secret"
                } else {
                    continue;
                };
                out.push(
                    Hit::new(
                        k.span().to(v.span()),
                        format!(
                            "env var `{name}` of {} in {} holds {what}",
                            c.describe(),
                            res.display()
                        ),
                    )
                    .label("stored in clear in the pod spec")
                    .help(format!(
                        "reference a Secret that reaches the cluster encrypted (a SealedSecret, an ExternalSecret or a SOPS file, never a plain Secret manifest): `valueFrom: {{secretKeyRef: {{name: <secret>, key: {}}}}}`",
                        name.to_ascii_lowercase().replace('_', "-")
                    )),
                );
            }
        }
    }
}
