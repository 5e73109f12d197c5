//! Kubernetes label selectors (metav1.LabelSelector semantics).

use crate::yaml::NodeRef;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// Selects every pod (`{}`).
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.requirements.is_empty()
    }

    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        if self.invalid {
            return false;
        }
        let get = |k: &str| {
            labels
                .iter()
                .rev()
                .find(|(lk, _)| *lk == k)
                .map(|(_, v)| *v)
        };
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
        let labels = [("app", "web"), ("tier", "front")];
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
}
