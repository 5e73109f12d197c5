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

/// `CONTAINER_IMAGE`, `IMAGE_NAME`: a token a script or the reader replaces.
fn is_upper_token(image: &str) -> bool {
    image.starts_with(|c: char| c.is_ascii_uppercase())
        && image
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// An image a Skaffold Config builds (`build.artifacts[].image`), in a manifest under that
/// config's directory: Skaffold replaces the name with a tagged one when it deploys.
fn built_by_skaffold(cx: &Cx, res: &Resource, image: &str) -> bool {
    let Some(manifest) = cx.files.get(res.file) else {
        return false;
    };
    cx.index.skaffold_images.iter().any(|(file, built)| {
        built == image
            && cx.files.get(*file).is_some_and(|config| {
                let dir = std::path::Path::new(&*config.name)
                    .parent()
                    .unwrap_or(std::path::Path::new(""));
                std::path::Path::new(&*manifest.name).starts_with(dir)
            })
    })
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
            // A digest pins the image whatever the tag.
            if image.contains('@') {
                continue;
            }
            let what = match tag(image) {
                // A literal `latest` tag is latest whatever fills in the registry (`$REGION-docker.pkg.dev/...:latest`).
                Some(t) if t.eq_ignore_ascii_case("latest") => "the `latest` tag",
                Some(_) => continue,
                // Without a tag: unless the reference is filled in elsewhere (`$IMAGE`,
                // `{{ .Values.image }}`, `CONTAINER_IMAGE`), or an artifact Skaffold builds and tags.
                None if is_templated(image)
                    || is_placeholder(image)
                    || is_upper_token(image)
                    || built_by_skaffold(cx, res, image) =>
                {
                    continue;
                }
                None => "no tag (so `latest`)",
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
