//! Where a run's time goes, on standard error when `ONUS_PHASES` is set (benchmarks read
//! it; nothing else does).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ONUS_PHASES").is_some())
}

/// A stopwatch over the phases of one run.
pub struct Phases(Option<Instant>);

impl Phases {
    pub fn start() -> Phases {
        Phases(enabled().then(Instant::now))
    }

    /// The phase that just ended.
    pub fn mark(&mut self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "phase {phase}: {:.1} ms{}",
                t.elapsed().as_secs_f64() * 1e3,
                memory()
            );
            self.0 = Some(Instant::now());
        }
    }
}

/// The resident memory now and at its peak so far (Linux), to see which phase sets the peak.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    format!(" (RSS {}, peak {})", field("VmRSS:"), field("VmHWM:"))
}
