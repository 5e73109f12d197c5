//! `--format concise`: one `file:line:col: severity[rule] message` line per finding, for
//! editors, grep and reviewdog (`-efm="%f:%l:%c: %m"`).

use super::Report;
use std::io::Write;

/// Write the lines as the findings come (never all in memory).
pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        // One line each, whatever the message holds.
        let message = f.message.replace(['\n', '\r'], " ");
        writeln!(
            w,
            "{}:{}:{}: {}[{}] {message}",
            f.file, f.line, f.column, f.severity, f.rule
        )?;
    }
    w.flush()
}

pub fn render(r: &Report) -> String {
    super::to_string(r, write)
}
