//! `fake-gitea --fixture FILE [--listen 127.0.0.1:0] [--latency-ms N] [--faults FILE]`
//! Prints `listening on http://127.0.0.1:PORT` once, then serves until killed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fake_gitea::FakeGitea;
use fake_gitea::faults::Fault;
use fake_gitea::fixture::Fixture;

#[derive(Parser)]
#[command(about = "A loopback fake of the Gitea API v1 (for gitea-gate's tests, demo and benchmarks)")]
struct Args {
    /// The fixture (JSON; see tests/fake-gitea/README.md).
    #[arg(long)]
    fixture: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay every API response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A JSON list of faults to arm at start.
    #[arg(long)]
    faults: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let fixture = match std::fs::read_to_string(&args.fixture)
        .map_err(|e| e.to_string())
        .and_then(|t| Fixture::from_json(&t).map_err(|e| e.to_string()))
    {
        Ok(fixture) => fixture,
        Err(e) => {
            eprintln!("fake-gitea: {}: {e}", args.fixture.display());
            return ExitCode::from(2);
        }
    };
    let fake = match FakeGitea::start_on(fixture, args.port) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-gitea: cannot listen: {e}");
            return ExitCode::from(2);
        }
    };
    fake.set_latency(Duration::from_millis(args.latency_ms));
    if let Some(path) = &args.faults {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Vec<Fault>>(&t).map_err(|e| e.to_string()))
        {
            Ok(faults) => faults.into_iter().for_each(|f| fake.add_fault(f)),
            Err(e) => {
                eprintln!("fake-gitea: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    println!("listening on {}", fake.url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
