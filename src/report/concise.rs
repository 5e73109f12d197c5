//! `--format concise`: one `file:line:col: severity[rule] message` line per finding, for
//! editors, grep and reviewdog (`-efm="%f:%l:%c: %m"`).

use super::Report;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let all = r.findings.all();
    for f in all.iter().filter(|f| f.suppressed.is_none()) {
        // One line each, whatever the message holds.
        let message = f.message.replace(['\n', '\r'], " ");
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {message}\n",
            f.file, f.line, f.column, f.severity, f.rule
        ));
    }
    out
}
