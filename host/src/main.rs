use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gitea_gate::cli::{Cli, Command};
use gitea_gate::{commands, env, exit, output};

fn main() -> ExitCode {
    gitea_gate::timings::init();
    let cli = Cli::parse();
    if let Command::Selftest = cli.command {
        return ExitCode::from(commands::selftest::run(&cli));
    }
    let report = commands::run(&cli);
    let output_file = env::get(env::OUTPUT).map(PathBuf::from);
    let emitted = output::emit(&report, cli.output.format(), cli.output.report.as_deref(), output_file.as_deref());
    gitea_gate::timings::mark("output written");
    match emitted {
        Ok(()) => ExitCode::from(report.exit),
        Err(e) => {
            eprintln!("gitea-gate: {e}");
            ExitCode::from(exit::UNDECIDED)
        }
    }
}
