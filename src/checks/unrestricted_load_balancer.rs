//! unrestricted-load-balancer: a Service of type LoadBalancer open to the whole internet:
//! no `loadBalancerSourceRanges` (or one with 0.0.0.0/0), and no annotation that makes the
//! cloud's load balancer internal.

use crate::cidr::is_anywhere;
use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct UnrestrictedLoadBalancer;

pub const CHECKS: &[(&str, Factory)] = &[("unrestricted-load-balancer", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(UnrestrictedLoadBalancer))
}

/// (annotation, values that make the load balancer internal; empty: any value but "false").
const INTERNAL: &[(&str, &[&str])] = &[
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        &[],
    ),
    ("service.beta.kubernetes.io/aws-load-balancer-internal", &[]),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        &["internal"],
    ),
    ("networking.gke.io/load-balancer-type", &["internal"]),
    ("cloud.google.com/load-balancer-type", &["internal"]),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        &[],
    ),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", &[]),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        &["private"],
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        &["intranet"],
    ),
    (
        "oci-network-load-balancer.oraclecloud.com/internal",
        &["true"],
    ),
    (
        "load-balancer.hetzner.cloud/disable-public-network",
        &["true"],
    ),
];

/// The annotation that predates `loadBalancerSourceRanges` and does the same (a
/// comma-separated list); the field wins when both are set.
const SOURCE_RANGES: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

impl Check for UnrestrictedLoadBalancer {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(spec) = res.root.get("spec") else {
            return;
        };
        let Some((k, v)) = spec.entry("type") else {
            return;
        };
        if v.as_str() != Some("LoadBalancer") {
            return;
        }
        let annotations = res.metadata().and_then(|m| m.get("annotations"));
        let internal = INTERNAL.iter().any(|(name, values)| {
            annotations
                .and_then(|a| a.get(name))
                .and_then(|v| v.as_str())
                .is_some_and(|v| {
                    let v = v.trim().to_ascii_lowercase();
                    if values.is_empty() {
                        v != "false" && !v.is_empty()
                    } else {
                        values.contains(&v.as_str())
                    }
                })
        });
        if internal {
            return;
        }
        let ranges: Vec<_> = spec
            .get("loadBalancerSourceRanges")
            .into_iter()
            .flat_map(|r| r.items())
            .collect();
        let open = ranges.iter().find(|r| r.as_str().is_some_and(is_anywhere));
        let (why, related) = match (ranges.is_empty(), open) {
            (true, _) => match annotations.and_then(|a| a.entry(SOURCE_RANGES)) {
                Some((_, v)) => {
                    let listed = v.as_str().unwrap_or("");
                    let items: Vec<&str> = listed
                        .split(',')
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .collect();
                    if items.is_empty() {
                        ("an empty source-ranges annotation", Some(v.span()))
                    } else if items.iter().any(|r| is_anywhere(r)) {
                        (
                            "its source-ranges annotation admits every address",
                            Some(v.span()),
                        )
                    } else {
                        return;
                    }
                }
                None => ("no loadBalancerSourceRanges", None),
            },
            (false, Some(r)) => (
                "its loadBalancerSourceRanges admit every address",
                Some(r.span()),
            ),
            (false, None) => return,
        };
        let mut hit = Hit::new(
            k.span().to(v.span()),
            format!(
                "{} is a load balancer open to the internet: {why}",
                res.display()
            ),
        )
        .label("every address on the internet reaches these pods");
        if let Some(span) = related {
            hit = hit.related(span, "0.0.0.0/0: everyone");
        }
        out.push(hit);
    }
}
