//! image-latest-tag: a container image with no tag or `:latest`, and no digest: what runs
//! changes with every pull, so updates are neither chosen nor reproducible.

use crate::object::{Resource, is_templated};
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::secrets::is_placeholder;

struct ImageLatestTag;

pub const CHECKS: &[(&str, Factory)] = &[("image-latest-tag", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(ImageLatestTag))
}

/// The tag of an image reference (`registry:5000/team/app:1.2` → `1.2`), None without one.
/// A `:` before the last `/` is a registry port, not a tag.
pub fn tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, t)| t)
}

impl Check for ImageLatestTag {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        for c in &pod.containers {
            let Some((k, v)) = c.node.entry("image") else {
                continue;
            };
            let Some(image) = v.as_str().map(str::trim).filter(|i| !i.is_empty()) else {
                continue;
            };
            // A digest pins the image whatever the tag; a templated value is not known here.
            if image.contains('@') || is_templated(image) || is_placeholder(image) {
                continue;
            }
            let what = match tag(image) {
                None => "no tag (so `latest`)",
                Some(t) if t.eq_ignore_ascii_case("latest") => "the `latest` tag",
                Some(_) => continue,
            };
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!(
                        "{} of {} runs `{image}`: {what}",
                        c.describe(),
                        res.display()
                    ),
                )
                .label(
                    "whatever was pushed last runs: updates are not chosen, rollbacks not possible",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tag;

    #[test]
    fn tags_are_read_after_the_last_slash() {
        assert_eq!(tag("nginx"), None);
        assert_eq!(tag("nginx:1.27"), Some("1.27"));
        assert_eq!(tag("registry:5000/team/app"), None);
        assert_eq!(tag("registry:5000/team/app:latest"), Some("latest"));
        assert_eq!(tag("ghcr.io/a/b:v2@sha256:abc"), Some("v2"));
    }
}
