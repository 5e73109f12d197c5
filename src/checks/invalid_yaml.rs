//! invalid-yaml: a document that does not parse (syntax, encoding, depth, size).

use crate::rule::{Check, Factory, FileFacts, Hit, Params};
use crate::yaml::Span;

struct InvalidYaml;

pub const CHECKS: &[(&str, Factory)] = &[("invalid-yaml", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(InvalidYaml))
}

impl Check for InvalidYaml {
    fn check_file(&self, file: &FileFacts, out: &mut Vec<Hit>) {
        let text = &file.source.text;
        // Load errors say what they are about (the file, a document); syntax errors are per document.
        let load = file.load_errors.iter().map(|e| (e, None));
        let syntax = file
            .stream
            .errors
            .iter()
            .map(|e| (e, Some("this document cannot be read as YAML")));
        for (e, what) in load.chain(syntax) {
            // Label the character at the error (nothing at the end of the file).
            let at = e.offset.min(text.len());
            let width = text
                .get(at..)
                .and_then(|t| t.chars().next())
                .map_or(0, |c| if c == '\n' { 0 } else { c.len_utf8() });
            let width = if e.len > 0 && text.is_char_boundary((at + e.len).min(text.len())) {
                e.len
            } else {
                width
            };
            let mut hit = Hit::new(
                Span::new(at, (at + width).min(text.len())),
                match what {
                    Some(w) => format!("{w}: {}", e.message),
                    None => e.message.clone(),
                },
            )
            .label(e.message.clone());
            if let Some(help) = e.help {
                hit = hit.help(help);
            }
            out.push(hit);
        }
    }
}
