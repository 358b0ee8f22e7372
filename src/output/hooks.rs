//! `Hooks`: the alerter and the metrics registry as configured by [`HookOpts`], behind the
//! two calls the command loops make: [`Hooks::engine`] after feeding the engine and
//! [`Hooks::event`] for each drained event.

use super::alert::{Alerter, Payload, PolicyConfig, SenderConfig, Sink};
use super::metrics::{self, Metrics};
use crate::cli::{AlertFormat, AlertOn, HookOpts, MinSeverity};
use crate::engine::Engine;
use crate::event::{AlertCounts, Event, Severity};
use crate::record::MICROS_PER_SEC;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Line counters reach the metrics at most this often (windows and events at once).
const COUNTERS_EVERY: Duration = Duration::from_millis(250);

pub struct Hooks {
    alerter: Option<Alerter>,
    metrics: Option<Arc<Metrics>>,
    /// Where `/metrics` is served.
    pub metrics_addr: Option<SocketAddr>,
    counters_at: Option<Instant>,
}

impl Hooks {
    /// Nothing configured: `None`, and the loops skip all of this.
    pub fn start(o: &HookOpts) -> Result<Option<Hooks>, String> {
        let mut sinks: Vec<Sink> = o
            .alert_webhook
            .iter()
            .map(|url| Sink::Webhook {
                url: url.clone(),
                payload: match o.alert_format {
                    AlertFormat::Auto => Payload::detect(url),
                    AlertFormat::Slack => Payload::Slack,
                    AlertFormat::Discord => Payload::Discord,
                    AlertFormat::Json => Payload::Json,
                },
            })
            .collect();
        for url in &o.alert_webhook {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("--alert-webhook {url}: not an http(s) URL"));
            }
        }
        if let Some(cmd) = &o.alert_exec {
            sinks.push(Sink::Exec(cmd.clone()));
        }
        if sinks.is_empty() && o.metrics_listen.is_none() {
            return Ok(None);
        }
        let (metrics, metrics_addr) = match &o.metrics_listen {
            Some(addr) => {
                let m = Arc::new(Metrics::new());
                let bound = metrics::serve(addr, m.clone())
                    .map_err(|e| format!("--metrics-listen {addr}: {e}"))?;
                eprintln!("lbtop: metrics on http://{bound}/metrics");
                (Some(m), Some(bound))
            }
            None => (None, None),
        };
        let alerter = (!sinks.is_empty()).then(|| {
            let policy = PolicyConfig {
                anomaly: o.alert_on.contains(&AlertOn::Anomaly),
                client: o.alert_on.contains(&AlertOn::Client),
                security: o.alert_on.contains(&AlertOn::Security),
                min_severity: match o.alert_min_severity {
                    MinSeverity::Low => Severity::Low,
                    MinSeverity::Medium => Severity::Medium,
                    MinSeverity::High => Severity::High,
                    MinSeverity::Critical => Severity::Critical,
                },
                interval: o.alert_interval.max(1) as i64 * MICROS_PER_SEC,
            };
            Alerter::start(sinks, policy, SenderConfig::default())
        });
        if let (Some(m), Some(a)) = (&metrics, &alerter) {
            m.alerts(a.counts());
        }
        Ok(Some(Hooks {
            alerter,
            metrics,
            metrics_addr,
            counters_at: None,
        }))
    }

    /// The engine must keep full window stats for the metrics.
    pub fn wants_window_stats(&self) -> bool {
        self.metrics.is_some()
    }

    /// After feeding the engine: closed windows into the metrics, and the line counters when
    /// a window closed or a moment has passed (loops may call this per request).
    pub fn engine(&mut self, engine: &mut Engine) {
        let Some(m) = &self.metrics else {
            return;
        };
        let mut any = false;
        for w in engine.drain_window_stats() {
            m.window(&w);
            any = true;
        }
        if !any
            && self
                .counters_at
                .is_some_and(|t| t.elapsed() < COUNTERS_EVERY)
        {
            return;
        }
        self.counters_at = Some(Instant::now());
        m.detectors(engine.config().detectors);
        m.counters(engine.counters());
        if let Some(a) = &self.alerter {
            m.alerts(a.counts());
        }
    }

    /// One drained event (cheap: a policy check and a non-blocking queue push).
    pub fn event(&mut self, ev: &Event) {
        if let Some(m) = &self.metrics {
            m.event(ev);
        }
        if let Some(a) = &mut self.alerter {
            a.offer(ev);
        }
    }

    /// The line counters now, unthrottled (end of input).
    pub fn sync(&mut self, engine: &mut Engine) {
        self.counters_at = None;
        self.engine(engine);
    }

    pub fn alert_counts(&self) -> Option<AlertCounts> {
        self.alerter.as_ref().map(Alerter::counts)
    }

    /// End of input: deliver what is queued (bounded wait) and return the final counts.
    pub fn finish(&mut self) -> Option<AlertCounts> {
        let counts = self.alerter.as_mut().map(Alerter::finish);
        if let (Some(m), Some(c)) = (&self.metrics, counts) {
            m.alerts(c);
        }
        counts
    }
}
