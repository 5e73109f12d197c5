use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = onus::cli::Cli::parse();
    ExitCode::from(onus::app::run(cli))
}
