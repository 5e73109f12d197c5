use clap::Parser;
use std::process::ExitCode;

#[cfg(all(
    unix,
    not(any(target_os = "openbsd", target_os = "aix", target_os = "android")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod allocator {
    #[global_allocator]
    static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

    /// jemalloc's settings, read once when it starts (`_RJEM_MALLOC_CONF` still overrides
    /// them). One arena: a run is short and its threads few, and more arenas each keep the
    /// memory their threads freed, past the 64 MB a run of any size stays within. Huge pages
    /// on Linux, until the set proves large (`onus::memory`).
    #[repr(transparent)]
    pub struct Conf(*const std::ffi::c_char);
    // Safety: a pointer to a static, never written.
    unsafe impl Sync for Conf {}

    #[cfg(target_os = "linux")]
    #[unsafe(export_name = "_rjem_malloc_conf")]
    pub static MALLOC_CONF: Conf = Conf(c"narenas:1,thp:always".as_ptr());
    #[cfg(not(target_os = "linux"))]
    #[unsafe(export_name = "_rjem_malloc_conf")]
    pub static MALLOC_CONF: Conf = Conf(c"narenas:1".as_ptr());
}

fn main() -> ExitCode {
    let cli = onus::cli::Cli::parse();
    ExitCode::from(onus::app::run(cli))
}
