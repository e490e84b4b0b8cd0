//! Run independent blocking jobs (API requests) on a few threads at once. The gates' slow part is
//! network round trips, not CPU: fifty membership probes one after another cost fifty RTTs, on
//! 32 threads over one connection pool they cost two.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `f` applied to every item, results in the items' order, at most `threads` running at once.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    if let Some(slot) = results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_mut(i) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    // Every index below items.len() was taken by exactly one worker and filled; scope() joined
    // them all (a panicking worker re-panics here), so no slot is left empty.
    results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn keeps_order_and_runs_concurrently() {
        let items: Vec<u64> = (0..16).collect();
        let started = Instant::now();
        let out = map(&items, 8, |&i| {
            thread::sleep(Duration::from_millis(50));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        // 16 jobs of 50 ms on 8 threads: two rounds, far below the 800 ms of one thread.
        assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());
    }

    #[test]
    fn empty_and_single() {
        assert!(map(&[] as &[u8], 4, |&b| b).is_empty());
        assert_eq!(map(&[7u8], 4, |&b| b + 1), vec![8]);
    }
}
