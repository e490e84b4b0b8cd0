//! Phase timings on stderr when `GITEA_GATE_TIMINGS=1` (for performance work; see
//! scripts/bench/). Off by default: a phase mark costs one atomic load.

use std::sync::OnceLock;
use std::time::Instant;

use crate::env;

fn start() -> Option<Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    *START.get_or_init(|| (env::get(env::TIMINGS).as_deref() == Some("1")).then(Instant::now))
}

/// Begin timing (call first thing in `main`).
pub fn init() {
    let _ = start();
}

/// Report that `phase` ended now.
pub fn mark(phase: &str) {
    if let Some(start) = start() {
        crate::log_line!("gitea-gate timing: {:>9.3} ms  {phase}", start.elapsed().as_secs_f64() * 1000.0);
    }
}
