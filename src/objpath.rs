//! Object paths: one syntax for generic checks, CEL locations and messages.
//!
//! `spec.template.spec.containers[*].image`, `metadata.labels['app.kubernetes.io/name']`,
//! `containers[name=web]`, `ports[0]`, and `$pod`, the pod spec of whatever workload the
//! object is (`$pod.containers[*].securityContext.privileged` reads a Pod's `spec`, a
//! Deployment's `spec.template.spec`, a CronJob's `spec.jobTemplate.spec.template.spec`), and
//! `$containers`, every container of it, init and ephemeral ones included
//! (`$containers.image`).
//! Selecting returns every node the path reaches with its concrete path
//! (`spec.template.spec.containers[name=web].image`); where a field is missing, the nearest
//! present parent is returned instead, so a rule that requires the field can blame it.

use crate::object::Resource;
use crate::yaml::NodeRef;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// Every item of a list (`[*]`) or every value of a mapping.
    All,
    /// The item at this position (`[0]`).
    Index(usize),
    /// The list items whose `field` is `value` (`[name=web]`).
    Where(String, String),
}

/// Where a path starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// The object.
    Object,
    /// `$pod`: the pod spec of a workload.
    Pod,
    /// `$containers`: every container of the pod spec (init, main, ephemeral), as a list.
    Containers,
}

/// A parsed path and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjPath {
    pub root: Root,
    pub steps: Vec<Step>,
    /// The text it was parsed from, for messages.
    pub text: String,
}

/// What a path reaches in one object.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    /// The key of the node, when it is a mapping value (so a finding can span `key: value`).
    pub key: Option<NodeRef<'a>>,
    pub node: NodeRef<'a>,
}

impl Found<'_> {
    /// `key: value` when the node has a key, else the node.
    pub fn span(&self) -> crate::yaml::Span {
        match self.key {
            Some(k) => k.span().to(self.node.span()),
            None => self.node.span(),
        }
    }
}

/// Where a path stops short: the nearest present parent and what is missing below it.
#[derive(Clone)]
pub struct Missing<'a> {
    pub parent: Found<'a>,
    /// The concrete path of the parent.
    pub path: String,
    /// The rest of the path, from the first missing step (`resources.limits.memory`).
    pub missing: String,
}

impl Missing<'_> {
    /// Where to blame what is missing: the key of its nearest present parent; a list item
    /// by its `name` entry; the object by its name.
    pub fn blame(&self, res: &Resource) -> crate::yaml::Span {
        if let Some(k) = self.parent.key {
            return k.span();
        }
        if self.parent.node.span() == res.root.span() {
            return res.name_span();
        }
        match self.parent.node.entry("name") {
            Some((k, v)) => k.span().to(v.span()),
            None => {
                let s = self.parent.node.span();
                crate::yaml::Span::new(s.start, s.start)
            }
        }
    }

    /// The concrete path of what is missing.
    pub fn full_path(&self) -> String {
        if self.path.is_empty() {
            self.missing.clone()
        } else if self.missing.starts_with('[') {
            format!("{}{}", self.path, self.missing)
        } else {
            format!("{}.{}", self.path, self.missing)
        }
    }
}

/// The result of selecting a path in an object.
#[derive(Clone, Default)]
pub struct Selection<'a> {
    /// Each node reached, with its concrete path.
    pub found: Vec<(Found<'a>, String)>,
    /// Each place the path could not go on (an absent key, an empty list under `[*]` is
    /// not missing: it has no items to check).
    pub missing: Vec<Missing<'a>>,
}

/// How deep a path may be, and how many nodes one selection may return (a `[*]` over a
/// hostile list cannot blow up: each node is visited once per step).
const MAX_STEPS: usize = 64;

impl Selection<'_> {
    /// Where a finding about this selection points: the first node found, else the first
    /// place something is missing, else None.
    pub fn first_span(&self, res: &Resource) -> Option<crate::yaml::Span> {
        self.found
            .first()
            .map(|(f, _)| f.span())
            .or_else(|| self.missing.first().map(|m| m.blame(res)))
    }
}

impl ObjPath {
    /// Parse `a.b[*].c['x.y'][name=web]`, with an optional leading `$pod`.
    pub fn parse(text: &str) -> Result<ObjPath, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("an empty path".into());
        }
        let (root, rest) = if let Some(r) = t.strip_prefix("$containers") {
            (Root::Containers, r)
        } else if let Some(r) = t.strip_prefix("$pod") {
            (Root::Pod, r)
        } else {
            (Root::Object, t)
        };
        let pod = root != Root::Object;
        let mut steps = Vec::new();
        let chars: Vec<char> = rest.chars().collect();
        let mut i = 0;
        // After `$pod` a step must start with `.` or `[`; at the start a name may follow.
        let mut need_sep = pod;
        while i < chars.len() {
            let c = chars.get(i).copied().unwrap_or(' ');
            if c == '.' {
                if i + 1 >= chars.len() {
                    return Err(format!("`{t}` ends with `.`"));
                }
                i += 1;
                need_sep = false;
                continue;
            }
            if c == '[' {
                let close =
                    find_close(&chars, i).ok_or_else(|| format!("`{t}`: `[` not closed"))?;
                let inner: String = chars.get(i + 1..close).unwrap_or_default().iter().collect();
                steps.push(bracket(&inner).map_err(|e| format!("`{t}`: {e}"))?);
                i = close + 1;
                need_sep = true;
                continue;
            }
            if need_sep {
                return Err(format!("`{t}`: expected `.` or `[` before `{c}`"));
            }
            let start = i;
            while i < chars.len() && !matches!(chars.get(i), Some('.' | '[')) {
                i += 1;
            }
            let name: String = chars.get(start..i).unwrap_or_default().iter().collect();
            if name
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, ']' | '\'' | '"'))
            {
                return Err(format!(
                    "`{t}`: `{name}` is not a field name (quote odd keys: ['{name}'])"
                ));
            }
            steps.push(if name == "*" {
                Step::All
            } else {
                Step::Key(name)
            });
            need_sep = true;
        }
        if steps.len() > MAX_STEPS {
            return Err(format!("`{t}` has more than {MAX_STEPS} steps"));
        }
        Ok(ObjPath {
            root,
            steps,
            text: t.to_string(),
        })
    }

    /// The last field name of the path (`image` of `containers[*].image`), for messages.
    pub fn field(&self) -> String {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Key(k) => Some(k.clone()),
                _ => None,
            })
            .unwrap_or_else(|| self.text.clone())
    }

    /// Select the path in an object. A `$pod` path selects nothing in an object that runs
    /// no pods.
    pub fn select<'a>(&self, res: &Resource<'a>) -> Selection<'a> {
        let mut sel = Selection::default();
        let frontier = match self.root {
            Root::Object => vec![(
                Found {
                    key: None,
                    node: res.root,
                },
                String::new(),
            )],
            Root::Pod => {
                let Some(tpl) = res.pod_template() else {
                    return sel;
                };
                let Some((k, spec)) = tpl.entry("spec") else {
                    return sel;
                };
                vec![(
                    Found {
                        key: Some(k),
                        node: spec,
                    },
                    crate::path::path_to(res.root, k.span()),
                )]
            }
            Root::Containers => {
                let Some(pod) = crate::pod::PodView::of(res) else {
                    return sel;
                };
                let prefix = pod
                    .template
                    .entry("spec")
                    .map(|(k, _)| crate::path::path_to(res.root, k.span()))
                    .unwrap_or_default();
                pod.containers
                    .iter()
                    .map(|c| {
                        let mut p = prefix.clone();
                        crate::path::push_key(&mut p, c.list.key());
                        crate::path::push_item(&mut p, c.node, c.index);
                        (
                            Found {
                                key: None,
                                node: c.node,
                            },
                            p,
                        )
                    })
                    .collect()
            }
        };
        let mut frontier = frontier;
        for (n, step) in self.steps.iter().enumerate() {
            let mut next = Vec::new();
            for (at, path) in frontier {
                let node = at.node;
                match step {
                    Step::Key(k) => match node.entry(k) {
                        Some((key, value)) if !value.is_null() => {
                            next.push((
                                Found {
                                    key: Some(key),
                                    node: value,
                                },
                                join_key(&path, k),
                            ));
                        }
                        _ => sel.missing.push(Missing {
                            parent: at,
                            path,
                            missing: rest_text(self.steps.get(n..).unwrap_or_default()),
                        }),
                    },
                    Step::All => {
                        if node.is_seq() {
                            for (i, item) in node.items().enumerate() {
                                next.push((
                                    Found {
                                        key: None,
                                        node: item,
                                    },
                                    join_item(&path, item, i),
                                ));
                            }
                        } else if node.is_map() {
                            for (key, value) in node.entries() {
                                let name = key.as_str().unwrap_or("?").to_string();
                                next.push((
                                    Found {
                                        key: Some(key),
                                        node: value,
                                    },
                                    join_key(&path, &name),
                                ));
                            }
                        }
                    }
                    Step::Index(i) => match node.items().nth(*i) {
                        Some(item) if node.is_seq() => {
                            next.push((
                                Found {
                                    key: None,
                                    node: item,
                                },
                                join_item(&path, item, *i),
                            ));
                        }
                        _ => sel.missing.push(Missing {
                            parent: at,
                            path,
                            missing: rest_text(self.steps.get(n..).unwrap_or_default()),
                        }),
                    },
                    Step::Where(field, value) => {
                        for (i, item) in node.items().enumerate() {
                            if item.get(field).and_then(|v| v.as_str()) == Some(value.as_str()) {
                                next.push((
                                    Found {
                                        key: None,
                                        node: item,
                                    },
                                    join_item(&path, item, i),
                                ));
                            }
                        }
                    }
                }
            }
            frontier = next;
        }
        sel.found = frontier;
        // In source order, like the found nodes (missing ones are met step by step).
        sel.missing.sort_by_key(|m| m.parent.node.span().start);
        sel
    }
}

/// The closing `]` of the `[` at `open`, quotes respected.
fn find_close(chars: &[char], open: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in chars.iter().enumerate().skip(open + 1) {
        match (quote, *c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(*c),
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `*`, `0`, `name=web`, `'app.kubernetes.io/name'`.
fn bracket(inner: &str) -> Result<Step, String> {
    let s = inner.trim();
    if s == "*" {
        return Ok(Step::All);
    }
    if let Some(q) = unquote(s) {
        return Ok(Step::Key(q));
    }
    if let Ok(i) = s.parse::<usize>() {
        return Ok(Step::Index(i));
    }
    if let Some((f, v)) = s.split_once('=') {
        let f = f.trim();
        let v = v.trim();
        let v = unquote(v).unwrap_or_else(|| v.to_string());
        if f.is_empty() || f.contains(['\'', '"']) {
            return Err(format!("`[{inner}]`: no field before `=`"));
        }
        return Ok(Step::Where(f.to_string(), v));
    }
    Err(format!(
        "`[{inner}]` is not `[*]`, `[N]`, `[field=value]` or `['key']`"
    ))
}

fn unquote(s: &str) -> Option<String> {
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q))
            && s.len() >= 2
        {
            return Some(inner.to_string());
        }
    }
    None
}

fn join_key(path: &str, key: &str) -> String {
    let mut p = path.to_string();
    crate::path::push_key(&mut p, key);
    p
}

fn join_item(path: &str, item: NodeRef, index: usize) -> String {
    let mut p = path.to_string();
    crate::path::push_item(&mut p, item, index);
    p
}

/// `resources.limits.memory` from the steps left.
fn rest_text(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => crate::path::push_key(&mut out, k),
            Step::All => out.push_str("[*]"),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Where(f, v) => out.push_str(&format!("[{f}={v}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn with<T>(text: &str, f: impl FnOnce(&Resource) -> T) -> T {
        let s = parse(text);
        let root = NodeRef::root(&s.documents[0]).unwrap();
        let res = Resource::from_node(0, root, "default", None, false, None).unwrap();
        f(&res)
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        resources: {limits: {cpu: 1}}\n      - name: side\n        image: envoy\n";

    #[test]
    fn paths_parse() {
        let p = ObjPath::parse("$pod.containers[*].securityContext['privileged']").unwrap();
        assert_eq!(p.root, Root::Pod);
        assert_eq!(
            p.steps,
            [
                Step::Key("containers".into()),
                Step::All,
                Step::Key("securityContext".into()),
                Step::Key("privileged".into())
            ]
        );
        let p = ObjPath::parse("metadata.labels['app.kubernetes.io/name']").unwrap();
        assert_eq!(
            p.steps.last(),
            Some(&Step::Key("app.kubernetes.io/name".into()))
        );
        let p = ObjPath::parse("spec.containers[name=web].ports[0]").unwrap();
        assert_eq!(
            p.steps.get(2),
            Some(&Step::Where("name".into(), "web".into()))
        );
        assert_eq!(p.steps.get(4), Some(&Step::Index(0)));
        for bad in ["", "a.", "a[", "a[x y]", "$podx", "a b", "a[=x]"] {
            assert!(ObjPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn selection_returns_concrete_paths_and_blames_the_nearest_parent() {
        with(DEPLOY, |res| {
            let p = ObjPath::parse("$pod.containers[*].image").unwrap();
            let s = p.select(res);
            let paths: Vec<&str> = s.found.iter().map(|(_, p)| p.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "spec.template.spec.containers[name=web].image",
                    "spec.template.spec.containers[name=side].image"
                ]
            );
            let p = ObjPath::parse("$pod.containers[*].resources.limits.memory").unwrap();
            let s = p.select(res);
            assert!(s.found.is_empty());
            let missing: Vec<(&str, &str)> = s
                .missing
                .iter()
                .map(|m| (m.path.as_str(), m.missing.as_str()))
                .collect();
            assert_eq!(
                missing,
                [
                    (
                        "spec.template.spec.containers[name=web].resources.limits",
                        "memory"
                    ),
                    (
                        "spec.template.spec.containers[name=side]",
                        "resources.limits.memory"
                    )
                ]
            );
            let p = ObjPath::parse("metadata.labels['app.kubernetes.io/name']").unwrap();
            let s = p.select(res);
            assert_eq!(s.found.len(), 1);
            assert_eq!(s.found[0].0.node.as_str(), Some("web"));
            let p = ObjPath::parse("spec.template.spec.containers[name=side]").unwrap();
            assert_eq!(p.select(res).found.len(), 1);
        });
        with(DEPLOY, |res| {
            let s = ObjPath::parse("$containers.image").unwrap().select(res);
            let paths: Vec<&str> = s.found.iter().map(|(_, p)| p.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "spec.template.spec.containers[name=web].image",
                    "spec.template.spec.containers[name=side].image"
                ]
            );
        });
        // `$pod` selects nothing in an object without pods.
        with(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            |res| {
                let s = ObjPath::parse("$pod.hostNetwork").unwrap().select(res);
                assert!(s.found.is_empty() && s.missing.is_empty());
            },
        );
    }
}
