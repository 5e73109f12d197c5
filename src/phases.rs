//! Where a run's time goes, on standard error when `ONUS_PHASES` is set (benchmarks read
//! it; nothing else does).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ONUS_PHASES").is_some())
}

/// A stopwatch over the phases of one run: wall time and the process's CPU time (all
/// threads: CPU over wall says how busy the cores were).
pub struct Phases(Option<(Instant, f64)>);

impl Phases {
    pub fn start() -> Phases {
        Phases(enabled().then(|| (Instant::now(), cpu_ms())))
    }

    /// The phase that just ended.
    pub fn mark(&mut self, phase: &str) {
        if let Some((t, cpu)) = self.0 {
            let now = cpu_ms();
            eprintln!(
                "phase {phase}: {:.1} ms (CPU {:.1} ms){}",
                t.elapsed().as_secs_f64() * 1e3,
                now - cpu,
                memory()
            );
            self.0 = Some((Instant::now(), cpu_ms()));
        }
    }
}

/// The CPU time of the whole process so far, in milliseconds (0 where it cannot be read).
fn cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec for the call to fill.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6;
        }
    }
    0.0
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
