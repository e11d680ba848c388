//! The command line: parse arguments, dispatch, and map the outcome to an exit
//! code (0 clean, 1 findings at or above the threshold, 2 usage or I/O error).

pub mod args;
pub mod config;
#[cfg(feature = "digest")]
pub mod digest;
mod dirs;
#[cfg(feature = "service")]
pub mod healthcheck;
pub mod lint;
#[cfg(feature = "service")]
pub mod replay;
pub mod rules;
#[cfg(feature = "service")]
pub mod serve;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("drydock: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Lint(args) => lint::run(args),
        #[cfg(feature = "service")]
        Command::Serve(args) => serve::run(args),
        #[cfg(feature = "service")]
        Command::Healthcheck(args) => healthcheck::run(args),
        #[cfg(feature = "service")]
        Command::Replay(args) => replay::run(args),
        #[cfg(feature = "digest")]
        Command::Digest(args) => digest::run(args),
        Command::Rules(args) => {
            let text = if args.json { rules::json()? } else { rules::table() };
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(0)
        }
        Command::Explain(args) => {
            let Some(text) = rules::explain(&args.code) else {
                let similar = rules::similar_codes(&args.code);
                let hint = if similar.is_empty() {
                    "run `drydock rules` to list every code".to_string()
                } else {
                    format!("did you mean {}?", similar.join(", "))
                };
                anyhow::bail!("no rule has the code `{}`: {hint}", args.code)
            };
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(0)
        }
    }
}
