use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gitea_gate::cli::{Cli, Command};
use gitea_gate::protocol::Trust;
use gitea_gate::{commands, env, exit, files, output};

fn main() -> ExitCode {
    gitea_gate::timings::init();
    let cli = Cli::parse();
    if let Command::Selftest = cli.command {
        return ExitCode::from(commands::selftest::run(&cli));
    }
    // The report file must lie beneath the workspace (files.rs): checked before anything runs.
    let report_file = cli.output.report.as_deref();
    let (report, report_file) =
        match report_file.map(|path| files::check_write_target(path, "the report file (--report)")) {
            Some(Err(problem)) => (problem.into_report(commands::check_name(&cli.command), Trust::Trusted), None),
            _ => (commands::run(&cli), report_file),
        };
    let output_file = env::get(env::OUTPUT).map(PathBuf::from);
    let emitted = output::emit(&report, cli.output.format(), report_file, output_file.as_deref());
    gitea_gate::timings::mark("output written");
    match emitted {
        Ok(()) => ExitCode::from(report.exit),
        Err(e) => {
            eprintln!("gitea-gate: {e}");
            ExitCode::from(exit::UNDECIDED)
        }
    }
}
