//! Kubernetes label selectors (metav1.LabelSelector semantics).

use crate::yaml::NodeRef;
use std::collections::HashMap;

/// A pod's labels, looked up by key: a scan when few, a hash map when many, so matching
/// n requirements against n labels stays linear. The later of a repeated key wins.
pub struct Labels<'a> {
    pairs: &'a [(&'a str, &'a str)],
    map: Option<HashMap<&'a str, &'a str>>,
}

impl<'a> Labels<'a> {
    pub fn new(pairs: &'a [(&'a str, &'a str)]) -> Self {
        let map = (pairs.len() > 16).then(|| pairs.iter().copied().collect());
        Labels { pairs, map }
    }

    /// The labels, each key with the value that counts (a repeated key's later value).
    pub fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs
            .iter()
            .copied()
            .filter(|(k, v)| self.get(k) == Some(*v))
    }

    pub fn get(&self, key: &str) -> Option<&'a str> {
        match &self.map {
            Some(m) => m.get(key).copied(),
            None => self
                .pairs
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<(String, Op)>,
    /// An invalid selector (unknown operator, values where none belong) selects nothing,
    /// as the API server would refuse it.
    invalid: bool,
}

impl Selector {
    /// Read a LabelSelector; an absent or empty one selects everything.
    pub fn from_node(node: Option<NodeRef>) -> Selector {
        let mut sel = Selector {
            requirements: Vec::new(),
            invalid: false,
        };
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return sel;
        };
        if !node.is_map() {
            sel.invalid = true;
            return sel;
        }
        if let Some(labels) = node.get("matchLabels") {
            for (k, v) in labels.entries() {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => sel
                        .requirements
                        .push((k.to_string(), Op::In(vec![v.to_string()]))),
                    _ => sel.invalid = true,
                }
            }
        }
        if let Some(exprs) = node.get("matchExpressions") {
            for e in exprs.items() {
                let key = e.get("key").and_then(|k| k.as_str());
                let values: Vec<String> = e
                    .get("values")
                    .map(|v| {
                        v.items()
                            .filter_map(|i| i.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let op = match e.get("operator").and_then(|o| o.as_str()) {
                    Some("In") if !values.is_empty() => Op::In(values),
                    Some("NotIn") if !values.is_empty() => Op::NotIn(values),
                    Some("Exists") if values.is_empty() => Op::Exists,
                    Some("DoesNotExist") if values.is_empty() => Op::DoesNotExist,
                    _ => {
                        sel.invalid = true;
                        continue;
                    }
                };
                match key {
                    Some(k) => sel.requirements.push((k.to_string(), op)),
                    None => sel.invalid = true,
                }
            }
        }
        sel
    }

    /// Never selects anything (the API server would refuse it).
    pub fn is_invalid(&self) -> bool {
        self.invalid
    }

    /// For each requirement a pod must meet through a label it has, the (key, value) pairs
    /// any one of which it needs: `In` needs one of its values, `Exists` the key (value
    /// None). An index of policies by these finds the candidates for a pod's labels.
    pub fn requirement_keys(&self) -> Vec<Vec<(&str, Option<&str>)>> {
        self.requirements
            .iter()
            .filter_map(|(k, op)| match op {
                Op::In(vals) => Some(
                    vals.iter()
                        .map(|v| (k.as_str(), Some(v.as_str())))
                        .collect(),
                ),
                Op::Exists => Some(vec![(k.as_str(), None)]),
                _ => None,
            })
            .collect()
    }

    /// Selects every pod (`{}`).
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.requirements.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        if self.invalid {
            return false;
        }
        let get = |k: &str| labels.get(k);
        self.requirements.iter().all(|(key, op)| match op {
            Op::In(vals) => get(key).is_some_and(|v| vals.iter().any(|x| x == v)),
            Op::NotIn(vals) => get(key).is_none_or(|v| !vals.iter().any(|x| x == v)),
            Op::Exists => get(key).is_some(),
            Op::DoesNotExist => get(key).is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn sel(text: &str) -> Selector {
        let s = parse(text);
        let doc = &s.documents[0];
        Selector::from_node(NodeRef::root(doc).and_then(|r| r.get("s")))
    }

    #[test]
    fn label_selector_semantics() {
        let pairs = [("app", "web"), ("tier", "front")];
        let labels = Labels::new(&pairs);
        assert!(sel("s: {}").matches(&labels));
        assert!(sel("s: {}").is_empty());
        assert!(sel("s: {matchLabels: {app: web}}").matches(&labels));
        assert!(!sel("s: {matchLabels: {app: web, x: y}}").matches(&labels));
        let e = "s:\n  matchExpressions:\n  - {key: tier, operator: In, values: [front, back]}\n  - {key: env, operator: DoesNotExist}\n";
        assert!(sel(e).matches(&labels));
        let n = "s:\n  matchExpressions:\n  - {key: app, operator: NotIn, values: [web]}\n";
        assert!(!sel(n).matches(&labels));
        let x = "s:\n  matchExpressions:\n  - {key: app, operator: Exists}\n";
        assert!(sel(x).matches(&labels));
        let bad = "s:\n  matchExpressions:\n  - {key: app, operator: Equals, values: [web]}\n";
        assert!(!sel(bad).matches(&labels));
    }

    #[test]
    fn many_labels_are_looked_up_like_few() {
        let mut pairs: Vec<(String, String)> = (0..40)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        pairs.push(("k3".into(), "later".into()));
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let many = Labels::new(&refs);
        let few = Labels::new(&refs[30..]);
        assert_eq!(many.get("k3"), Some("later"));
        assert_eq!(few.get("k3"), Some("later"));
        assert_eq!(many.get("k39"), few.get("k39"));
        assert_eq!(many.get("nope"), None);
    }
}
