//! What the store hands the guest besides its streams: a memory limiter that remembers what it
//! refused, and clocks that never move.

use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// Delegates to `StoreLimits` and remembers a refused growth, so that the resulting trap can be
/// reported as "memory cap" rather than as whatever the guest did next.
pub(super) struct Limiter {
    pub(super) inner: StoreLimits,
    pub(super) cap: usize,
    pub(super) denied: Option<usize>,
    /// The largest size granted.
    pub(super) peak: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.denied = Some(desired);
        }
        let granted = self.inner.memory_growing(current, desired, maximum)?;
        if granted {
            self.peak = self.peak.max(desired);
        }
        Ok(granted)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }
    fn tables(&self) -> usize {
        self.inner.tables()
    }
    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

/// Clocks that never move: the guest has no business knowing the time, and a moving clock
/// would make two runs of the same input differ.
pub(super) struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}
