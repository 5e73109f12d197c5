//! Baselines: record today's findings (`--write-baseline FILE`), then report only new ones
//! (`--baseline FILE`). A finding is matched by its fingerprint (rule, file, object, YAML
//! path; never the line), so inserted lines, reordered documents and unrelated edits do not
//! bring recorded findings back. Each fingerprint is counted: two recorded findings with the
//! same identity set two aside, a third is new.

use crate::finding::Finding;
use crate::suppress::{Suppressed, SuppressionKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding: the fingerprint is what matches; the rest helps a reviewer.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    file: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    message: String,
}

/// The baseline of the findings that are not suppressed otherwise, as JSON.
pub fn write<F: std::ops::Deref<Target = Finding>>(
    findings: impl IntoIterator<Item = F>,
) -> String {
    let file = File {
        version: VERSION,
        findings: findings
            .into_iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.to_string(),
                file: f.file.to_string(),
                path: f.path.clone(),
                message: f.message.clone(),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&file).unwrap_or_default();
    out.push('\n');
    out
}

/// Recorded fingerprints and how often each was recorded.
pub struct Baseline {
    name: String,
    counts: BTreeMap<String, usize>,
}

impl Baseline {
    pub fn parse(name: &str, text: &str) -> Result<Baseline, String> {
        let file: File = serde_json::from_str(text).map_err(|e| {
            format!("{name}: not an onus baseline ({e}); write one with --write-baseline")
        })?;
        if file.version != VERSION {
            return Err(format!(
                "{name}: baseline version {} (this onus reads version {VERSION})",
                file.version
            ));
        }
        let mut counts = BTreeMap::new();
        for e in file.findings {
            *counts.entry(e.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline {
            name: name.to_string(),
            counts,
        })
    }

    /// Mark a finding the baseline records (called in report order: the recorded count of
    /// each fingerprint is used up by the first findings that have it).
    pub fn mark(&mut self, f: &mut Finding) {
        if f.suppressed.is_some() {
            return;
        }
        if let Some(n) = self.counts.get_mut(&f.fingerprint).filter(|n| **n > 0) {
            *n -= 1;
            f.suppressed = Some(Suppressed {
                kind: SuppressionKind::Baseline,
                reason: Some(format!("recorded in the baseline {}", self.name)),
            });
        }
    }

    /// How many recorded findings matched nothing (fixed since, or changed beyond
    /// recognition).
    pub fn left(&self) -> usize {
        self.counts.values().sum()
    }
}
