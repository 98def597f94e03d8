//! The `cunxiang` binary: parses the command line and prints any failure as one line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cunxiang_api::cli::Cli::parse();
    match cunxiang_api::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cunxiang: {e:#}");
            ExitCode::FAILURE
        }
    }
}
