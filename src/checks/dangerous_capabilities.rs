//! dangerous-capabilities: a container that adds a capability that reaches the node or
//! other pods (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, ..., ALL), or keeps the runtime's
//! default set (it does not drop ALL).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct DangerousCapabilities {
    dangerous: Vec<String>,
}

/// Capabilities that reach past the container: the network stack, other processes, the
/// kernel (modules, raw devices, reboot, clock), file permission checks (DAC_READ_SEARCH
/// opens files of the host by handle), BPF and the security modules.
const DANGEROUS: &[&str] = &[
    "SYS_ADMIN",
    "NET_ADMIN",
    "NET_RAW",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "ALL",
];

pub const CHECKS: &[(&str, Factory)] = &[("dangerous-capabilities", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["dangerous"])?;
    let dangerous = p
        .str_list("dangerous")?
        .unwrap_or_else(|| DANGEROUS.iter().map(|s| s.to_string()).collect());
    Ok(Box::new(DangerousCapabilities {
        dangerous: dangerous.iter().map(|c| normal(c)).collect(),
    }))
}

/// `cap_sys_admin` and `SYS_ADMIN` are the same capability.
fn normal(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").unwrap_or(&up).to_string()
}

impl Check for DangerousCapabilities {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        if pod.is_windows() {
            return;
        }
        for c in &pod.containers {
            // A privileged container has every capability whatever it adds or drops:
            // privileged-container reports it.
            if pod.privileged(c) {
                continue;
            }
            let caps = c.get("securityContext").and_then(|s| s.get("capabilities"));
            for cap in caps
                .and_then(|c| c.get("add"))
                .into_iter()
                .flat_map(|a| a.items())
            {
                let Some(name) = cap.as_str() else { continue };
                if self.dangerous.contains(&normal(name)) {
                    out.push(
                        Hit::new(
                            cap.span(),
                            format!(
                                "{} of {} adds the capability {}",
                                c.describe(),
                                res.display(),
                                normal(name)
                            ),
                        )
                        .label("a capability that reaches the node or other pods' traffic"),
                    );
                }
            }
            let drops_all = caps
                .and_then(|c| c.get("drop"))
                .into_iter()
                .flat_map(|d| d.items())
                .any(|d| d.as_str().is_some_and(|s| normal(s) == "ALL"));
            if !drops_all {
                let span = caps
                    .and_then(|_| {
                        c.get("securityContext")
                            .and_then(|s| s.entry("capabilities"))
                            .map(|(k, _)| k.span())
                    })
                    .unwrap_or_else(|| c.anchor());
                out.push(
                    Hit::new(
                        span,
                        format!(
                            "{} of {} keeps the runtime's default capabilities",
                            c.describe(),
                            res.display()
                        ),
                    )
                    .label("no `drop: [ALL]`: NET_RAW, CHOWN, SETUID and more stay available")
                    .help("drop every capability and add back only what the process needs: `securityContext: {capabilities: {drop: [ALL]}}`"),
                );
            }
        }
    }
}
