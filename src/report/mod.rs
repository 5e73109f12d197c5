//! Printers: each reads findings (and the model to quote), never rules.

pub mod human;
pub mod json;

use crate::engine::Summary;
use crate::finding::Finding;
use crate::model::Model;
use crate::source::SourceFile;
use std::sync::Arc;

/// Everything a printer may read.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub files: &'a [Arc<SourceFile>],
    pub summary: Summary,
    pub model: &'a Model,
}

/// Greedy word wrap; continuation lines get `indent`.
pub fn wrap(text: &str, width: usize, first_indent: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first_indent);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out
}
