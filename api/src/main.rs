//! The `cunxiang` binary: parses the command line and prints any failure as one line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cap_malloc_arenas();
    let cli = cunxiang_api::cli::Cli::parse();
    match cunxiang_api::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cunxiang: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena and keeps freed memory in it.
/// Photo decoding allocates 10–40 MB buffers on whichever blocking thread runs it, so under 16
/// concurrent 12 MP uploads the server's peak RSS reached 314–470 MB with the default and
/// 135 MB with `MALLOC_ARENA_MAX=2`, at the same CPU (`bench`'s `intake-bench`). glibc reads
/// the variable before `main`, so unless the operator chose a value the binary re-executes
/// itself once with it set.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("MALLOC_ARENA_MAX", "2")
            .exec();
        // `exec` returns only when it failed: carry on with glibc's default.
        eprintln!("cunxiang: could not re-execute with MALLOC_ARENA_MAX=2 ({err}); continuing");
    }
}
