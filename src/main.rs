//! The `reimage` binary: parse the command line, run, map the outcome to an exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let config = match cli::Cli::parse().resolve() {
        Ok(cli::Action::Run(config)) => config,
        Ok(cli::Action::Print(text)) => {
            return match std::io::stdout().write_all(&text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(reimage::EXIT_ERROR),
            };
        }
        Err(message) => {
            eprintln!("reimage: error: {message}");
            return ExitCode::from(reimage::EXIT_ERROR);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match reimage::run(&config, &mut out) {
        Ok(code) => code,
        Err(reimage::Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            reimage::EXIT_OK
        }
        Err(e) => {
            let _ = out.flush();
            eprintln!("reimage: error: {e}");
            reimage::EXIT_ERROR
        }
    };
    if out.flush().is_err() {
        return ExitCode::from(reimage::EXIT_ERROR);
    }
    ExitCode::from(code)
}
