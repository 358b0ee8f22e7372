//! Alerts: the [`Policy`] picks which events alert; an [`Alerter`] hands them to a sender
//! thread through a bounded queue (`try_send`: a full queue drops and counts, it never makes
//! the engine wait), which posts to webhooks (Slack, Discord or plain JSON) and runs
//! `--alert-exec` commands, with timeouts and retries with backoff.

mod policy;
mod send;

pub use policy::{Alert, AlertKind, Policy, PolicyConfig};
pub use send::{Payload, SenderConfig, Sink, payload};

use crate::event::{AlertCounts, Event};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Delivery counts shared with the sender thread.
#[derive(Debug, Default)]
pub struct Stats {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
}

impl Stats {
    pub fn counts(&self) -> AlertCounts {
        AlertCounts {
            sent: self.sent.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// The engine side: policy plus a non-blocking hand-off to the sender thread.
pub struct Alerter {
    policy: Policy,
    sinks: usize,
    tx: Option<SyncSender<Alert>>,
    stats: Arc<Stats>,
    /// Set at shutdown: past it the sender gives up on what is left instead of trying.
    deadline: Arc<Mutex<Option<Instant>>>,
    grace: Duration,
    thread: Option<JoinHandle<()>>,
}

impl Alerter {
    pub fn start(sinks: Vec<Sink>, policy: PolicyConfig, cfg: SenderConfig) -> Alerter {
        let (tx, rx) = sync_channel::<Alert>(cfg.queue.max(1));
        let stats = Arc::new(Stats::default());
        let deadline = Arc::new(Mutex::new(None));
        let n = sinks.len();
        let grace = cfg.grace;
        let thread = {
            let stats = stats.clone();
            let deadline = deadline.clone();
            std::thread::Builder::new()
                .name("alerts".into())
                .spawn(move || send::run(rx, sinks, cfg, &stats, &deadline))
                .ok()
        };
        Alerter {
            policy: Policy::new(policy),
            sinks: n,
            tx: thread.as_ref().map(|_| tx),
            stats,
            deadline,
            grace,
            thread,
        }
    }

    /// Called by the engine loop for every drained event: cheap, never blocks.
    pub fn offer(&mut self, ev: &Event) {
        if let Some(a) = self.policy.consider(ev) {
            self.push(a);
        }
    }

    fn push(&mut self, a: Alert) {
        let full = match &self.tx {
            Some(tx) => match tx.try_send(a) {
                Ok(()) => false,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => true,
            },
            None => true,
        };
        if full {
            self.stats
                .dropped
                .fetch_add(self.sinks as u64, Ordering::Relaxed);
        }
    }

    pub fn counts(&self) -> AlertCounts {
        self.stats.counts()
    }

    /// End of input: send the pending aggregates, then give the sender `grace` to deliver
    /// what is queued; whatever is left after that is counted as failed, not waited for.
    pub fn finish(&mut self) -> AlertCounts {
        for a in self.policy.flush() {
            self.push(a);
        }
        if let Ok(mut d) = self.deadline.lock() {
            *d = Some(Instant::now() + self.grace);
        }
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.counts()
    }
}

impl Drop for Alerter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Behavior, ClientEvent, LogTime};

    fn client(i: u32) -> Event {
        Event::Client(ClientEvent {
            time: LogTime(i64::from(i)),
            client_ip: format!("10.0.0.{i}"),
            behavior: Behavior::Flood,
            summary: "flood".into(),
            requests: 100,
            path: None,
            clients: None,
        })
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_waiting() {
        let cfg = SenderConfig {
            queue: 1,
            exec_timeout: Duration::from_secs(5),
            grace: Duration::from_millis(100),
            ..SenderConfig::default()
        };
        let mut a = Alerter::start(
            vec![Sink::Exec("sleep 1".into())],
            PolicyConfig::default(),
            cfg,
        );
        let t = Instant::now();
        for i in 0..20 {
            a.offer(&client(i));
        }
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        let c = a.finish();
        // One with the sender, at most one queued: the rest were dropped at once.
        assert!(c.dropped >= 18, "{c:?}");
        assert_eq!(c.sent + c.failed + c.dropped, 20, "{c:?}");
        assert!(
            t.elapsed() < Duration::from_secs(4),
            "shutdown is bounded: {:?}",
            t.elapsed()
        );
    }
}
