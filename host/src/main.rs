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
    match &cli.command {
        Command::Selftest => return ExitCode::from(commands::selftest::run(&cli)),
        Command::Replay(args) => return ExitCode::from(commands::replay::run(&cli, args)),
        _ => {}
    }
    // The report and record files must lie beneath the workspace (files.rs): checked before
    // anything runs.
    let report_file = cli.output.report.as_deref();
    let record_file = cli.output.record.as_deref();
    let targets = [(report_file, "the report file (--report)"), (record_file, "the record file (--record)")];
    let unwritable =
        targets.into_iter().find_map(|(path, what)| path.and_then(|path| files::check_write_target(path, what).err()));
    let (report, report_file) = match unwritable {
        Some(problem) => {
            (commands::Problem::from(problem).into_report(commands::check_name(&cli.command), Trust::Trusted), None)
        }
        None => {
            if record_file.is_some() {
                gitea_gate::record::start();
            }
            (commands::run(&cli), report_file)
        }
    };
    let output_file = env::get(env::OUTPUT).map(PathBuf::from);
    let summary_file = env::get(env::STEP_SUMMARY).map(PathBuf::from);
    let runner = output::RunnerFiles { output: output_file.as_deref(), summary: summary_file.as_deref() };
    let emitted = output::emit(&report, cli.output.format(), report_file, runner).map_err(|e| e.to_string());
    // A record that was asked for and cannot be written leaves the run undecided, like a report.
    let emitted = emitted.and_then(|()| match record_file {
        Some(path) => gitea_gate::record::write(path).map(|_| ()),
        None => Ok(()),
    });
    gitea_gate::timings::mark("output written");
    match emitted {
        Ok(()) => ExitCode::from(report.exit),
        Err(e) => {
            gitea_gate::log_line!("gitea-gate: {e}");
            ExitCode::from(exit::UNDECIDED)
        }
    }
}
