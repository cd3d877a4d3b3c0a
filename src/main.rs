//! The `reimage` binary: parse the command line, run the command, map the outcome to an exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::{Error, ExitStatus};

fn main() -> ExitCode {
    let command = cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let status = match command.run(&mut out) {
        Ok(status) => status,
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(e) => {
            let _ = out.flush();
            eprintln!("reimage: error: {e}");
            ExitStatus::Error
        }
    };
    match out.flush() {
        // The reader closed the pipe (`| head -1`): the run's own status stands.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitStatus::Error.into(),
        _ => status.into(),
    }
}
