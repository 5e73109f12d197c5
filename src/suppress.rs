//! Suppressions a team writes next to what it accepts (spec/cli.md):
//! a comment `# onus: ignore rule-id[,rule-id] -- reason` on the flagged line or alone on
//! the line above, or the annotation `onus.dev/ignore: "rule-id[,...] -- reason"` on an
//! object or its pod template. `all` names every rule.

use crate::object::Resource;
use crate::source::SourceFile;
use crate::yaml::{Document, NodeRef, Span};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub const ANNOTATION: &str = "onus.dev/ignore";

/// What set a finding aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    Comment,
    Annotation,
    Config,
    Baseline,
}

/// The mark a suppressed finding carries: printers decide whether to show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub kind: SuppressionKind,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Where it is written (the comment, or the annotation's value).
    pub span: Span,
    /// 1-based line of the node it speaks of (comments only): its own line after content,
    /// the next line with content when alone on its line.
    pub line: usize,
    /// The YAML node starting on `line` that it covers, once found in the file's tree;
    /// None: the findings that start on `line`.
    pub region: Option<Span>,
}

impl Suppression {
    /// Does it name this rule? `all` names every rule but the suppression rules themselves.
    pub fn covers(&self, rule: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r == rule || (r == "all" && !META_RULES.contains(&rule)))
    }

    /// The mark it leaves on a finding.
    pub fn mark(&self, kind: SuppressionKind) -> Suppressed {
        Suppressed {
            kind,
            reason: self.reason.clone(),
        }
    }
}

/// Rules about suppressions, which `all` does not silence.
const META_RULES: &[&str] = &["suppression-without-reason", "unused-suppression"];

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

/// Every `# onus: ignore` comment of a file, in line order.
pub fn comments(source: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    let text: &str = &source.text;
    if !text.contains("onus:") {
        return out;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut offset = 0;
    for (i, raw) in lines.iter().enumerate() {
        let start = offset;
        offset += raw.len() + 1;
        // A CRLF file reads exactly like an LF one.
        let line = raw.strip_suffix('\r').unwrap_or(raw);
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
        let alone = line
            .get(..hash)
            .is_some_and(|before| before.trim().is_empty());
        // Alone on its line it speaks of the next line with content; after content, of its own.
        let target = if alone {
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map_or(i + 2, |(n, _)| n + 1)
        } else {
            i + 1
        };
        out.push(Suppression {
            rules,
            reason,
            span: Span::new(start + hash, start + line.trim_end().len()),
            line: target,
            region: None,
        });
    }
    out
}

/// Find the node each comment speaks of: of the mapping entries (key to end of value) and
/// sequence items that start on its line, the first to start, the largest on a tie (the
/// whole `- name: data` item rather than its `name` entry). `docs` may be some of the
/// file's documents: comments whose line they do not hold are left as they are.
pub fn attach_regions(comments: &mut [Suppression], source: &SourceFile, docs: &[Document]) {
    if comments.is_empty() {
        return;
    }
    let wanted: HashSet<usize> = comments.iter().map(|c| c.line).collect();
    let mut found: HashMap<usize, Span> = HashMap::new();
    let order = |r: &Span| (r.start, std::cmp::Reverse(r.end));
    for doc in docs {
        doc.regions(|r| {
            let line = source.line_of(r.start);
            if wanted.contains(&line) && found.get(&line).is_none_or(|b| order(&r) < order(b)) {
                found.insert(line, r);
            }
        });
    }
    // Only where found: the others keep what they had (None: the findings on their line).
    for c in comments.iter_mut() {
        if let Some(r) = found.get(&c.line) {
            c.region = Some(*r);
        }
    }
}

/// The comments of one file, ready to be matched against its findings.
pub struct CommentMatcher<'a> {
    comments: &'a [Suppression],
    /// Comments with a region, by region start (the larger first on a tie).
    by_region: Vec<usize>,
    /// Comments without one (no node starts on their line), by line.
    by_line: HashMap<usize, Vec<usize>>,
}

impl<'a> CommentMatcher<'a> {
    pub fn new(comments: &'a [Suppression]) -> Self {
        let mut by_region: Vec<usize> = (0..comments.len())
            .filter(|i| comments.get(*i).is_some_and(|c| c.region.is_some()))
            .collect();
        by_region.sort_by_key(|i| {
            let r = comments.get(*i).and_then(|c| c.region).unwrap_or_default();
            (r.start, std::cmp::Reverse(r.end))
        });
        let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, c) in comments.iter().enumerate() {
            if c.region.is_none() {
                by_line.entry(c.line).or_default().push(i);
            }
        }
        CommentMatcher {
            comments,
            by_region,
            by_line,
        }
    }

    /// The comments it matches, in the order it was given them.
    pub fn comments(&self) -> &'a [Suppression] {
        self.comments
    }

    /// For findings given as (id, span, line, rule), sorted by span start, call
    /// `hit(id, comment)` for every comment that covers one: its node holds the finding's
    /// span, or, without a node, the finding starts on its line. Regions come from one
    /// tree, so they nest or are disjoint: the stack of open ones is all a finding needs.
    pub fn run<'f>(
        &self,
        findings: impl Iterator<Item = (usize, Span, usize, &'f str)>,
        mut hit: impl FnMut(usize, usize),
    ) {
        let mut next = self.by_region.iter().peekable();
        let mut open: Vec<(usize, Span)> = Vec::new();
        for (id, span, line, rule) in findings {
            while let Some(&&c) = next.peek() {
                let Some(r) = self.comments.get(c).and_then(|c| c.region) else {
                    next.next();
                    continue;
                };
                if r.start > span.start {
                    break;
                }
                while open.last().is_some_and(|(_, o)| o.end < r.start) {
                    open.pop();
                }
                open.push((c, r));
                next.next();
            }
            while open.last().is_some_and(|(_, o)| o.end < span.start) {
                open.pop();
            }
            for (c, r) in open.iter().rev() {
                if span.end <= r.end && self.comments.get(*c).is_some_and(|s| s.covers(rule)) {
                    hit(id, *c);
                }
            }
            for c in self.by_line.get(&line).into_iter().flatten() {
                if self.comments.get(*c).is_some_and(|s| s.covers(rule)) {
                    hit(id, *c);
                }
            }
        }
    }
}

/// A suppression that set nothing aside, or names rules that do not exist.
pub struct Unused<'a> {
    pub suppression: &'a Suppression,
    pub kind: SuppressionKind,
    /// Ids of rules that ran and had nothing to set aside here (`all` included).
    pub idle: Vec<&'a str>,
    /// Ids of no rule, each with the nearest known id when one is close.
    pub unknown: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Unused<'a> {
    /// `used` tells, per id of `s`, whether it set a finding aside; `ran` are the rules of
    /// this run, `known` every rule that exists.
    pub fn new(
        s: &'a Suppression,
        kind: SuppressionKind,
        used: &[bool],
        ran: &[&str],
        known: &[&'a str],
    ) -> Self {
        let mut idle = Vec::new();
        let mut unknown = Vec::new();
        for (id, used) in s.rules.iter().zip(used) {
            let id = id.as_str();
            if id == "all" || ran.contains(&id) {
                if !used {
                    idle.push(id);
                }
            } else if !known.contains(&id) {
                unknown.push((id, nearest(id, known)));
            }
        }
        Unused {
            suppression: s,
            kind,
            idle,
            unknown,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.idle.is_empty() && self.unknown.is_empty()
    }
}

/// The known id closest to a misspelt one (edit distance at most a third of its length).
pub fn nearest<'a>(wrong: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(wrong, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let value = (prev + cost).min(above + 1).min(left + 1);
            prev = above;
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
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
                line: 0,
                region: None,
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
        assert_eq!(c[0].line, 1);
        assert_eq!(c[0].reason.as_deref(), Some("agent"));
        assert_eq!(c[1].line, 3);
        assert_eq!(c[1].rules, ["host-network", "host-port"]);
        assert!(c[1].reason.is_none());
    }
}
