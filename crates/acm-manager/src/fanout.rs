//! Asking many servers at once, answering in their registered order.
//!
//! A Management Server's display over every server (Table 8.2) costs the
//! slowest server, not the sum, when the servers are asked concurrently. The
//! manual's rule still holds: the output is in the registered order and stops
//! at the first server (in that order) that fails, so the answers are handed
//! on strictly in order and nothing is asked once the consumer has stopped.
//!
//! At most [`limit`] requests are in flight, and no request starts more than
//! that many places ahead of the next answer to hand on: the answers held for
//! printing are bounded too.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

/// How many servers are asked at once: `ACM_FANOUT`, default 16.
pub const FANOUT_VAR: &str = "ACM_FANOUT";
/// The default of [`FANOUT_VAR`].
pub const DEFAULT_FANOUT: usize = 16;

/// The number of requests in flight in force (a value that is not a positive
/// number is the default).
pub fn limit() -> usize {
    std::env::var(FANOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_FANOUT)
}

/// Where the workers are: the next item to ask, the next answer to hand on
/// (the window's start), and whether the consumer stopped.
struct Window {
    next: usize,
    handed: usize,
    stopped: bool,
}

/// Runs `ask` on every item with at most `limit` in flight and hands each
/// answer to `take` in the items' order; `take` returns `false` to stop (no
/// further item is asked, and the answers of those in flight are dropped).
///
/// Returns once `take` has stopped or seen every answer, without waiting for
/// requests still in flight after a stop: their threads end on their own
/// (each request has its own timeouts).
pub fn in_order<T, R>(
    items: Vec<T>,
    limit: usize,
    ask: impl Fn(&T) -> R + Send + Sync + 'static,
    mut take: impl FnMut(&T, R) -> bool,
) where
    T: Send + Sync + 'static,
    R: Send + 'static,
{
    let n = items.len();
    if n == 0 {
        return;
    }
    let limit = limit.clamp(1, n);
    let items = Arc::new(items);
    let ask = Arc::new(ask);
    let window = Arc::new((
        Mutex::new(Window {
            next: 0,
            handed: 0,
            stopped: false,
        }),
        Condvar::new(),
    ));
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    for _ in 0..limit {
        let (items, ask, window, tx) = (items.clone(), ask.clone(), window.clone(), tx.clone());
        std::thread::spawn(move || loop {
            let i = {
                let (m, cv) = &*window;
                let mut w = m.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if w.stopped || w.next >= items.len() {
                        return;
                    }
                    if w.next < w.handed + limit {
                        break;
                    }
                    w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
                }
                w.next += 1;
                w.next - 1
            };
            let r = ask(&items[i]);
            if tx.send((i, r)).is_err() {
                return;
            }
        });
    }
    drop(tx);
    let mut held: BTreeMap<usize, R> = BTreeMap::new();
    let mut want = 0;
    while want < n {
        let r = match held.remove(&want) {
            Some(r) => r,
            None => match rx.recv() {
                Ok((i, r)) if i == want => r,
                Ok((i, r)) => {
                    held.insert(i, r);
                    continue;
                }
                // Every worker ended without an answer for `want` (one
                // panicked): nothing more will come.
                Err(_) => return,
            },
        };
        let go_on = take(&items[want], r);
        want += 1;
        let (m, cv) = &*window;
        let mut w = m.lock().unwrap_or_else(|p| p.into_inner());
        w.handed = want;
        w.stopped = !go_on;
        cv.notify_all();
        if !go_on {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    #[test]
    fn answers_come_in_order_and_concurrently() {
        let t0 = Instant::now();
        let mut seen = Vec::new();
        // Later items answer sooner: the order is the items', not the answers'.
        in_order(
            (0..8u64).collect(),
            8,
            |i| {
                std::thread::sleep(Duration::from_millis(200 - 20 * i));
                i * 10
            },
            |i, r| {
                seen.push((*i, r));
                true
            },
        );
        assert_eq!(seen, (0..8).map(|i| (i, i * 10)).collect::<Vec<_>>());
        // Eight 60-200 ms requests at once: about the slowest, not the sum (1.1 s).
        assert!(
            t0.elapsed() < Duration::from_millis(900),
            "{:?}",
            t0.elapsed()
        );
    }

    #[test]
    fn never_more_in_flight_than_the_limit_and_stops_at_the_first_refusal() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let asked = Arc::new(AtomicUsize::new(0));
        let (f, m, a) = (in_flight.clone(), most.clone(), asked.clone());
        let mut taken = Vec::new();
        in_order(
            (0..40usize).collect(),
            3,
            move |_| {
                a.fetch_add(1, Ordering::SeqCst);
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                f.fetch_sub(1, Ordering::SeqCst);
            },
            |i, ()| {
                taken.push(*i);
                *i < 9
            },
        );
        assert_eq!(taken, (0..10).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
        // Nothing beyond the window of the stop was asked.
        std::thread::sleep(Duration::from_millis(50));
        assert!(asked.load(Ordering::SeqCst) <= 10 + 3, "{asked:?}");
    }

    #[test]
    fn no_items_no_calls() {
        in_order(
            Vec::<u8>::new(),
            4,
            |_| unreachable!(),
            |_, ()| unreachable!(),
        );
    }
}
