//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`).

use super::Report;
use crate::finding::Severity;
use std::io::Write;

/// Escaping of a command's message, as the runner's toolkit does it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value: the message's, plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Write the annotations as the findings come (never all in memory).
pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = match r.model.get(&f.responsibility) {
            Some(a) => format!("onus {} ({})", f.rule, a.section),
            None => format!("onus {}", f.rule),
        };
        writeln!(
            w,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.file),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            property(&title),
            data(&format!("{} (help: {})", f.message, f.help)),
        )?;
    }
    w.flush()
}

pub fn render(r: &Report) -> String {
    super::to_string(r, write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
