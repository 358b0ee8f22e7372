//! Which events alert, in log time and without I/O: one alert per anomaly episode (updates
//! rate-limited and only when it got worse), every client event, and security hits
//! aggregated per (client, category) per interval. Window and summary events never alert.

use crate::event::{AnomalyType, Category, Event, SecurityEvent, Severity};
use crate::record::{MICROS_PER_SEC, Micros, format_rfc3339 as format_time};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyConfig {
    pub anomaly: bool,
    pub client: bool,
    pub security: bool,
    /// Security hits below this severity never alert.
    pub min_severity: Severity,
    /// Log time between updates of one episode, and between alerts of one (client, category).
    pub interval: Micros,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            anomaly: true,
            client: true,
            security: true,
            min_severity: Severity::Medium,
            interval: 300 * MICROS_PER_SEC,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The first window of an anomaly episode, a client event, the first hit of a category.
    New,
    /// A later, worse window of an episode already alerted.
    Update,
    /// Security hits of one (client, category) gathered over the interval.
    Aggregate,
}

/// One alert: a readable line and the event behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: AlertKind,
    pub text: String,
    /// Events this alert stands for (security aggregates: hits since the last alert).
    pub count: u64,
    pub event: Event,
}

#[derive(Debug, Clone)]
struct Sent {
    at: Micros,
    score: f64,
    kind: AnomalyType,
    last_seen: Micros,
}

#[derive(Debug, Clone)]
struct Hits {
    last_alert: Micros,
    pending: u64,
    latest: SecurityEvent,
}

/// Bounds on remembered episodes and (client, category) pairs.
const MAX_EPISODES: usize = 1024;
const MAX_HIT_KEYS: usize = 4096;
/// Attacker-controlled text (request lines, summaries) is cut to this in alert texts.
const MAX_FIELD: usize = 200;

pub struct Policy {
    cfg: PolicyConfig,
    episodes: HashMap<u64, Sent>,
    hits: HashMap<(String, Category), Hits>,
}

impl Policy {
    pub fn new(cfg: PolicyConfig) -> Policy {
        Policy {
            cfg,
            episodes: HashMap::new(),
            hits: HashMap::new(),
        }
    }

    /// The alert this event raises now, if any.
    pub fn consider(&mut self, ev: &Event) -> Option<Alert> {
        match ev {
            Event::Anomaly(a) if self.cfg.anomaly => {
                let t = a.start.0;
                let interval = self.cfg.interval;
                if let Some(s) = self.episodes.get_mut(&a.episode) {
                    s.last_seen = s.last_seen.max(t);
                    let worse =
                        a.score > s.score + 0.02 || (a.kind != s.kind && a.score >= s.score);
                    if t - s.at < interval || !worse {
                        return None;
                    }
                    *s = Sent {
                        at: t,
                        score: a.score,
                        kind: a.kind,
                        last_seen: t,
                    };
                    let text = format!(
                        "lbtop: anomaly {} worse (score {:.2}, episode {} since {}): {}",
                        a.kind.name(),
                        a.score,
                        a.episode,
                        format_time(a.episode_start.0),
                        clip(&a.summary)
                    );
                    return Some(alert(AlertKind::Update, text, 1, ev));
                }
                if self.episodes.len() >= MAX_EPISODES {
                    // Forget episodes quiet for a long while; failing that, start afresh.
                    let horizon = t - 12 * interval.max(MICROS_PER_SEC);
                    self.episodes.retain(|_, s| s.last_seen >= horizon);
                    if self.episodes.len() >= MAX_EPISODES {
                        self.episodes.clear();
                    }
                }
                self.episodes.insert(
                    a.episode,
                    Sent {
                        at: t,
                        score: a.score,
                        kind: a.kind,
                        last_seen: t,
                    },
                );
                let text = format!(
                    "lbtop: anomaly {} (score {:.2}) at {}: {}",
                    a.kind.name(),
                    a.score,
                    format_time(t),
                    clip(&a.summary)
                );
                Some(alert(AlertKind::New, text, 1, ev))
            }
            Event::Client(c) if self.cfg.client => {
                let text = format!(
                    "lbtop: client {} {} at {}: {}",
                    clip(&c.client_ip),
                    c.behavior.name(),
                    format_time(c.time.0),
                    clip(&c.summary)
                );
                Some(alert(AlertKind::New, text, 1, ev))
            }
            Event::Security(s) if self.cfg.security && s.severity >= self.cfg.min_severity => {
                self.security(s, ev)
            }
            _ => None,
        }
    }

    fn security(&mut self, s: &SecurityEvent, ev: &Event) -> Option<Alert> {
        let t = s.time.0;
        let interval = self.cfg.interval;
        let key = (s.client_ip.clone(), s.category);
        if let Some(h) = self.hits.get_mut(&key) {
            h.pending += 1;
            h.latest = s.clone();
            if t - h.last_alert < interval {
                return None;
            }
            let n = std::mem::take(&mut h.pending);
            h.last_alert = t;
            return Some(security_alert(AlertKind::Aggregate, n, s, ev.clone()));
        }
        if self.hits.len() >= MAX_HIT_KEYS {
            // Pairs with nothing pending and an expired interval carry no information.
            self.hits
                .retain(|_, h| h.pending > 0 || t - h.last_alert < interval);
            if self.hits.len() >= MAX_HIT_KEYS {
                return None;
            }
        }
        self.hits.insert(
            key,
            Hits {
                last_alert: t,
                pending: 0,
                latest: s.clone(),
            },
        );
        Some(security_alert(AlertKind::New, 1, s, ev.clone()))
    }

    /// End of input: the security hits gathered since their pair's last alert.
    pub fn flush(&mut self) -> Vec<Alert> {
        let mut out: Vec<Alert> = self
            .hits
            .values_mut()
            .filter(|h| h.pending > 0)
            .map(|h| {
                let n = std::mem::take(&mut h.pending);
                let ev = Event::Security(h.latest.clone());
                security_alert(AlertKind::Aggregate, n, &h.latest, ev)
            })
            .collect();
        out.sort_by(|a, b| a.text.cmp(&b.text));
        out
    }
}

fn alert(kind: AlertKind, text: String, count: u64, ev: &Event) -> Alert {
    Alert {
        kind,
        text,
        count,
        event: ev.clone(),
    }
}

fn security_alert(kind: AlertKind, n: u64, s: &SecurityEvent, event: Event) -> Alert {
    let text = format!(
        "lbtop: security {} from {}: {} hit{} (last at {}, rule {}): {}",
        s.category.name(),
        clip(&s.client_ip),
        n,
        if n == 1 { "" } else { "s" },
        format_time(s.time.0),
        clip(&s.rule),
        clip(&s.request)
    );
    Alert {
        kind,
        text,
        count: n,
        event,
    }
}

/// Control characters out, at most `MAX_FIELD` bytes (on a char boundary).
fn clip(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_FIELD));
    for c in s.chars() {
        if out.len() + c.len_utf8() > MAX_FIELD {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AnomalyEvent, Behavior, ClientEvent, LogTime, WindowEvent};

    const S: Micros = MICROS_PER_SEC;
    const T0: Micros = 1_700_000_000 * S;

    fn anomaly(t: i64, episode: u64, kind: AnomalyType, score: f64) -> Event {
        Event::Anomaly(AnomalyEvent {
            start: LogTime(T0 + t * S),
            end: LogTime(T0 + (t + 10) * S),
            kind,
            score,
            summary: "5xx 40% vs 1%".into(),
            episode,
            episode_start: LogTime(T0),
            drivers: vec![],
        })
    }

    fn hit(t: i64, ip: &str, category: Category, severity: Severity) -> Event {
        Event::Security(SecurityEvent {
            time: LogTime(T0 + t * S),
            client_ip: ip.into(),
            category,
            rule: "r".into(),
            severity,
            request: "GET /?q=%27%20or%201=1\n HTTP/1.1".into(),
            field: "query".into(),
            source: "-".into(),
            line: 1,
        })
    }

    fn policy() -> Policy {
        Policy::new(PolicyConfig {
            interval: 300 * S,
            ..PolicyConfig::default()
        })
    }

    #[test]
    fn one_alert_per_episode_and_rate_limited_updates_only_when_worse() {
        let mut p = policy();
        let kinds = |evs: Vec<Event>, p: &mut Policy| -> Vec<Option<AlertKind>> {
            evs.iter().map(|e| p.consider(e).map(|a| a.kind)).collect()
        };
        let got = kinds(
            vec![
                anomaly(0, 1, AnomalyType::ErrorSpike, 0.8),
                // Worse but inside the interval: nothing.
                anomaly(10, 1, AnomalyType::ErrorSpike, 0.95),
                // Interval passed but not worse than what was sent: nothing.
                anomaly(310, 1, AnomalyType::ErrorSpike, 0.8),
                // Interval passed and worse: one update.
                anomaly(320, 1, AnomalyType::ErrorSpike, 0.9),
                // Right after the update: rate-limited again.
                anomaly(330, 1, AnomalyType::ErrorSpike, 0.99),
                // Another episode alerts at once.
                anomaly(340, 2, AnomalyType::Latency, 0.7),
                // Same score, another type, interval passed since the update: worse.
                anomaly(620, 1, AnomalyType::TargetFailure, 0.9),
            ],
            &mut p,
        );
        use AlertKind::*;
        assert_eq!(
            got,
            vec![
                Some(New),
                None,
                None,
                Some(Update),
                None,
                Some(New),
                Some(Update)
            ]
        );
    }

    #[test]
    fn window_summary_and_disabled_kinds_never_alert() {
        let mut p = Policy::new(PolicyConfig {
            client: false,
            ..PolicyConfig::default()
        });
        assert!(p.consider(&Event::Window(WindowEvent::default())).is_none());
        assert!(p.consider(&Event::Summary(Default::default())).is_none());
        let c = Event::Client(ClientEvent {
            time: LogTime(T0),
            client_ip: "10.0.0.9".into(),
            behavior: Behavior::Flood,
            summary: "900 req/min".into(),
            requests: 900,
            path: None,
            clients: None,
        });
        assert!(p.consider(&c).is_none());
        let a = policy()
            .consider(&c)
            .expect("client events alert by default");
        assert_eq!(a.kind, AlertKind::New);
        assert!(a.text.contains("10.0.0.9 flood"), "{}", a.text);
    }

    #[test]
    fn security_hits_aggregate_per_client_and_category_per_interval() {
        let mut p = policy();
        let sq = |t, ip| hit(t, ip, Category::Sqli, Severity::High);
        let first = p.consider(&sq(0, "1.1.1.1")).expect("first hit alerts");
        assert_eq!((first.kind, first.count), (AlertKind::New, 1));
        assert!(!first.text.contains('\n'), "control characters are cleaned");
        for t in 1..50 {
            assert!(p.consider(&sq(t, "1.1.1.1")).is_none());
        }
        // Another client and another category are separate pairs.
        assert!(p.consider(&sq(5, "2.2.2.2")).is_some());
        assert!(
            p.consider(&hit(6, "1.1.1.1", Category::Xss, Severity::High))
                .is_some()
        );
        // Below the minimum severity: never.
        assert!(
            p.consider(&hit(7, "3.3.3.3", Category::Probe, Severity::Low))
                .is_none()
        );
        let agg = p.consider(&sq(300, "1.1.1.1")).expect("interval over");
        assert_eq!((agg.kind, agg.count), (AlertKind::Aggregate, 50));
        assert!(agg.text.contains("50 hits"), "{}", agg.text);
        // Hits after that are pending until the end of input.
        p.consider(&sq(301, "1.1.1.1"));
        p.consider(&sq(302, "1.1.1.1"));
        let rest = p.flush();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].count, 2);
        assert!(p.flush().is_empty(), "flushed once");
    }
}
