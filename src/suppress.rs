//! Suppressions a team writes next to what it accepts (spec/cli.md):
//! a comment `# onus: ignore rule-id[,rule-id] -- reason` on the flagged line or alone on
//! the line above, or the annotation `onus.dev/ignore: "rule-id[,...] -- reason"` on an
//! object or its pod template. `all` names every rule.

use crate::object::Resource;
use crate::source::SourceFile;
use crate::yaml::{NodeRef, Span};

pub const ANNOTATION: &str = "onus.dev/ignore";

#[derive(Debug, Clone)]
pub struct Suppression {
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Where it is written (the comment, or the annotation's value).
    pub span: Span,
    /// 1-based lines whose findings it silences (comments only).
    pub lines: (usize, usize),
}

impl Suppression {
    pub fn covers(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r == rule || r == "all")
    }
}

/// `host-path-volume, host-port -- node agent` → (ids, reason).
fn parse_body(body: &str) -> (Vec<String>, Option<String>) {
    // A further ` #` starts another comment, not more rule ids.
    let body = body.split(" #").next().unwrap_or(body);
    let (ids, reason) = match body.split_once("--") {
        Some((ids, reason)) => (ids, Some(reason.trim().to_string())),
        None => (body, None),
    };
    let rules = ids
        .split([',', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (rules, reason.filter(|r| !r.is_empty()))
}

/// Every `# onus: ignore` comment of a file.
pub fn comments(source: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    let text: &str = &source.text;
    if !text.contains("onus:") {
        return out;
    }
    let mut offset = 0;
    for (i, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let Some(hash) = find_marker(line) else {
            continue;
        };
        let Some(rest) = line.get(hash + 1..) else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(body) = rest
            .strip_prefix("onus:")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("ignore"))
        else {
            continue;
        };
        let (rules, reason) = parse_body(body);
        let n = i + 1;
        let alone = line
            .get(..hash)
            .is_some_and(|before| before.trim().is_empty());
        out.push(Suppression {
            rules,
            reason,
            span: Span::new(start + hash, start + line.trim_end().len()),
            // Alone on its line it speaks of the next line; after content, of its own.
            lines: if alone { (n, n + 1) } else { (n, n) },
        });
    }
    out
}

/// The comments of `sorted` (in line order, as [`comments`] returns them) that speak of
/// 1-based `line`: a binary search, then a walk back over at most `reach` lines (the
/// longest reach of any of them, from [`reach`]).
pub fn covering(
    sorted: &[Suppression],
    reach: usize,
    line: usize,
) -> impl Iterator<Item = &Suppression> {
    let end = sorted.partition_point(|s| s.lines.0 <= line);
    sorted
        .get(..end)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(move |s| s.lines.0 + reach >= line)
        .filter(move |s| line <= s.lines.1)
}

/// The most lines past its own that any comment of `sorted` speaks of.
pub fn reach(sorted: &[Suppression]) -> usize {
    sorted
        .iter()
        .map(|s| s.lines.1.saturating_sub(s.lines.0))
        .max()
        .unwrap_or(0)
}

/// The `#` that starts a comment mentioning `onus:` (at line start or after a space).
fn find_marker(line: &str) -> Option<usize> {
    line.match_indices('#').map(|(i, _)| i).find(|&i| {
        let before = line.get(..i).unwrap_or("");
        let after = line.get(i + 1..).unwrap_or("");
        (before.is_empty() || before.ends_with([' ', '\t']))
            && after.trim_start().starts_with("onus:")
    })
}

/// The `onus.dev/ignore` annotations of an object and of its pod template.
pub fn annotations(res: &Resource) -> Vec<Suppression> {
    let mut places: Vec<NodeRef> = Vec::new();
    if let Some(m) = res.metadata() {
        places.push(m);
    }
    if let Some(m) = res
        .pod_template()
        .filter(|t| t.span() != res.root.span())
        .and_then(|t| t.get("metadata"))
    {
        places.push(m);
    }
    places
        .into_iter()
        .filter_map(|m| m.get("annotations")?.get(ANNOTATION))
        .filter_map(|v| {
            let (rules, reason) = parse_body(v.as_str()?);
            Some(Suppression {
                rules,
                reason,
                span: v.span(),
                lines: (0, 0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_read_with_their_reach() {
        let f = SourceFile::new(
            "x",
            "a: 1 # onus: ignore host-port -- agent\n# onus: ignore host-network,host-port\nb: 2\nc: '# onus: ignore x'\n",
        );
        let c = comments(&f);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].lines, (1, 1));
        assert_eq!(c[0].reason.as_deref(), Some("agent"));
        assert_eq!(c[1].lines, (2, 3));
        assert_eq!(c[1].rules, ["host-network", "host-port"]);
        assert!(c[1].reason.is_none());
    }
}
