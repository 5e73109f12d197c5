//! ingress-without-tls: an Ingress that serves its hosts over plain HTTP (no `spec.tls`).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct IngressWithoutTls;

pub const CHECKS: &[(&str, Factory)] = &[("ingress-without-tls", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(IngressWithoutTls))
}

/// Annotations that hand an Ingress's load balancer its certificate: GKE managed and
/// pre-shared certificates, AWS Load Balancer Controller (ACM), Azure Application Gateway.
const CLOUD_CERTIFICATES: &[&str] = &[
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "alb.ingress.kubernetes.io/certificate-arn",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
];

impl Check for IngressWithoutTls {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let spec = res.root.get("spec");
        let tls = spec
            .and_then(|s| s.get("tls"))
            .is_some_and(|t| t.items().next().is_some());
        let annotation = |k: &str| {
            res.metadata()
                .and_then(|m| m.path(&["annotations", k]))
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        // `allow-http: "false"` (GCE and others) turns plain HTTP off: nothing in clear.
        let http_off = annotation("kubernetes.io/ingress.allow-http")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        // A cloud load balancer given its certificate by annotation terminates TLS without
        // spec.tls (cert-manager's annotations are not enough: it fills spec.tls's Secret).
        let cloud_cert = CLOUD_CERTIFICATES.iter().any(|k| annotation(k).is_some());
        if tls || http_off || cloud_cert {
            return;
        }
        let hosts: Vec<&str> = spec
            .and_then(|s| s.get("rules"))
            .into_iter()
            .flat_map(|r| r.items())
            .filter_map(|r| r.get("host").and_then(|h| h.as_str()))
            .collect();
        let what = if hosts.is_empty() {
            "every host".to_string()
        } else {
            crate::rule::code_list(&hosts)
        };
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "{} serves {what} over plain HTTP: no spec.tls",
                    res.display()
                ),
            )
            .label("no TLS: credentials and data cross the network in clear"),
        );
    }
}
