use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gitea_gate::cli::{Cli, Command};
use gitea_gate::output::log;
use gitea_gate::protocol::Trust;
use gitea_gate::{commands, env, exit, files, output};

fn main() -> ExitCode {
    gitea_gate::timings::init();
    log::init_from_env();
    // A panic message may quote untrusted text; it goes through the same escaping as every line.
    std::panic::set_hook(Box::new(|info| log::line(&format!("gitea-gate: internal error: {info}"))));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // clap quotes the offending value raw; a value with a newline must not start a line.
            log::lines(&e.render().to_string());
            return ExitCode::from(exit::USAGE);
        }
        Err(e) => {
            // --help and --version: fixed text on stdout.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    log::init(cli.output.format());
    if let Command::Selftest = cli.command {
        return ExitCode::from(commands::selftest::run(&cli));
    }
    // The report file must lie beneath the workspace (files.rs): checked before anything runs.
    let report_file = cli.output.report.as_deref();
    let (report, report_file) =
        match report_file.map(|path| files::check_write_target(path, "the report file (--report)")) {
            Some(Err(problem)) => {
                (commands::Problem::from(problem).into_report(commands::check_name(&cli.command), Trust::Trusted), None)
            }
            _ => (commands::run(&cli), report_file),
        };
    let output_file = env::get(env::OUTPUT).map(PathBuf::from);
    let summary_file = env::get(env::STEP_SUMMARY).map(PathBuf::from);
    let runner = output::RunnerFiles { output: output_file.as_deref(), summary: summary_file.as_deref() };
    let emitted = output::emit(&report, cli.output.format(), report_file, runner);
    gitea_gate::timings::mark("output written");
    match emitted {
        Ok(()) => ExitCode::from(report.exit),
        Err(e) => {
            gitea_gate::log_line!("gitea-gate: {e}");
            ExitCode::from(exit::UNDECIDED)
        }
    }
}
