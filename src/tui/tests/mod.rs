//! TUI tests: a deterministic `Snapshot` fixture and helpers here; screens (TestBackend +
//! insta), keys (keymap → action → update) and the event loop in the submodules.

mod event_loop;
mod keys;
mod screens;

use super::action::{Action, Control, block_rule, update};
use super::help::help_lines;
use super::keymap::{KEYMAP, dispatch, key_label};
use super::state::{BlockKind, Overlay, Panel, Screen, UiState};
use super::theme::Theme;
use crate::event::{
    AnomalyEvent, AnomalyType, Behavior, Category, ClientEvent, LogTime, SecurityEvent, Severity,
};
use crate::record::{MICROS_PER_SEC, Micros, days_from_civil};
use crate::snapshot::{
    ClientDetail, ClientRow, Count, Filter, Mode, Series, Snapshot, TargetRow, ViewSpec,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::sync::Arc;

const HOSTILE_UA: &str = "Mozilla/5.0 \x1b[2J\x1b]0;pwned\x07 \u{9b}31m evil";

fn t0() -> Micros {
    (days_from_civil(2026, 11, 22) * 86_400 + 2 * 3600 + 30 * 60) * MICROS_PER_SEC
}

fn series(label: &str, unit: &str, f: impl Fn(usize) -> f64, base: f64) -> Series {
    let values: Vec<f64> = (0..300).map(f).collect();
    Series {
        label: label.into(),
        unit: unit.into(),
        current: values.last().copied(),
        values,
        baseline: Some(base),
    }
}

fn spike(i: usize) -> bool {
    (270..285).contains(&i)
}

fn sec(i: i64, ip: &str, cat: Category, sev: Severity, request: &str) -> SecurityEvent {
    SecurityEvent {
        time: LogTime(t0() - i * 7 * MICROS_PER_SEC),
        client_ip: ip.into(),
        category: cat,
        rule: format!("{}-rule", cat.name()),
        severity: sev,
        request: request.into(),
        field: "path".into(),
        source: "access.log".into(),
        line: 100 + i as u64,
    }
}

fn client(ip: &str, req: u64, e4: u64, e5: u64, hits: u64, b: &[Behavior]) -> ClientRow {
    ClientRow {
        client: ip.into(),
        requests: req,
        share: req as f64 / 20_000.0,
        errors_4xx: e4,
        errors_5xx: e5,
        security_hits: hits,
        behaviors: b.to_vec(),
    }
}

/// A busy, deterministic snapshot: 300 sparkline points with an incident at the end,
/// anomalies, security hits (one carrying terminal escapes), clients, targets, a detail.
pub fn fixture() -> Snapshot {
    let now = t0();
    let anomaly = |mins: i64, kind, score, summary: &str, ep| AnomalyEvent {
        start: LogTime(now - mins * 60 * MICROS_PER_SEC),
        end: LogTime(now - (mins - 1) * 60 * MICROS_PER_SEC),
        kind,
        score,
        summary: summary.into(),
        episode: ep,
        episode_start: LogTime(now - mins * 60 * MICROS_PER_SEC),
        drivers: vec![],
    };
    Snapshot {
        now,
        mode: Mode::Live,
        sources: vec![
            "/var/log/alb/access.log".into(),
            "/var/log/alb/old.log.gz".into(),
        ],
        formats: vec![Count {
            key: "alb".into(),
            count: 123_456,
        }],
        lines: 123_500,
        parsed: 123_456,
        rejected: 0,
        lines_per_sec: 1530.0,
        lag_secs: Some(1.5),
        window_secs: 10,
        window_start: now - 10 * MICROS_PER_SEC,
        rps: series(
            "req/s",
            "/s",
            |i| {
                if spike(i) {
                    420.0
                } else {
                    100.0 + (i % 17) as f64 * 3.0
                }
            },
            120.0,
        ),
        p50: series("p50", "ms", |i| 20.0 + (i % 5) as f64, 22.0),
        p99: series(
            "p99",
            "ms",
            |i| {
                if spike(i) {
                    900.0
                } else {
                    120.0 + (i % 9) as f64 * 4.0
                }
            },
            130.0,
        ),
        err4xx: series("4xx", "%", |i| 2.0 + (i % 3) as f64 * 0.5, 2.5),
        err5xx: series("5xx", "%", |i| if spike(i) { 31.0 } else { 0.4 }, 0.5),
        anomalous: (0..300).map(spike).collect(),
        anomalies: vec![
            anomaly(
                1,
                AnomalyType::ErrorSpike,
                0.97,
                "5xx at 31% vs 0.5% baseline",
                3,
            ),
            anomaly(4, AnomalyType::Latency, 0.81, "p99 900 ms vs 130 ms", 2),
            anomaly(30, AnomalyType::TrafficSpike, 0.62, "420 req/s vs 120", 1),
        ],
        security: vec![
            sec(
                0,
                "203.0.113.7",
                Category::Sqli,
                Severity::High,
                "GET /search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--%20-&page=2&sort=desc HTTP/1.1",
            ),
            sec(
                1,
                "198.51.100.23",
                Category::Traversal,
                Severity::High,
                "GET /../../../../etc/passwd HTTP/1.1",
            ),
            sec(
                2,
                "203.0.113.7",
                Category::ScannerAgent,
                Severity::Medium,
                &format!("GET /{HOSTILE_UA} HTTP/1.1"),
            ),
            sec(
                3,
                "\x1b[31m10.6.6.6",
                Category::Probe,
                Severity::Low,
                "GET /.env HTTP/1.1",
            ),
        ],
        security_total: 57,
        clients: vec![
            client(
                "203.0.113.7",
                5210,
                310,
                0,
                41,
                &[Behavior::Scanner, Behavior::BadBot],
            ),
            client("198.51.100.23", 3120, 12, 0, 9, &[Behavior::Flood]),
            client("192.0.2.10", 2400, 3, 777, 0, &[]),
            client("2001:db8::42", 1800, 0, 0, 0, &[]),
            client("192.0.2.99", 900, 1, 0, 0, &[Behavior::CredentialStuffing]),
        ],
        targets: vec![
            TargetRow {
                target: "10.0.1.11:8080".into(),
                requests: 8100,
                errors_5xx: 912,
                p99_ms: Some(950.0),
            },
            TargetRow {
                target: "10.0.1.12:8080".into(),
                requests: 7900,
                errors_5xx: 0,
                p99_ms: Some(140.0),
            },
            TargetRow {
                target: "10.0.1.13:8080".into(),
                requests: 10,
                errors_5xx: 0,
                p99_ms: None,
            },
        ],
        detail: None,
        ..Snapshot::default()
    }
}

fn detail(ip: &str) -> ClientDetail {
    let now = t0();
    ClientDetail {
        client: ip.into(),
        rate: series("req/s", "/s", |i| (i % 13) as f64, 4.0),
        statuses: vec![
            Count {
                key: "404".into(),
                count: 300,
            },
            Count {
                key: "200".into(),
                count: 150,
            },
            Count {
                key: "503".into(),
                count: 12,
            },
        ],
        paths: vec![
            Count {
                key: "/wp-login.php".into(),
                count: 120,
            },
            Count {
                key: "/.env".into(),
                count: 80,
            },
        ],
        user_agents: vec![
            Count {
                key: HOSTILE_UA.into(),
                count: 400,
            },
            Count {
                key: "sqlmap/1.7".into(),
                count: 62,
            },
        ],
        security: vec![sec(
            0,
            ip,
            Category::Sqli,
            Severity::High,
            "GET /?id=1 UNION SELECT 1 HTTP/1.1",
        )],
        behaviors: vec![ClientEvent {
            time: LogTime(now),
            client_ip: ip.into(),
            behavior: Behavior::Scanner,
            summary: "404 on 300 distinct paths in 1 min".into(),
            requests: 462,
            path: None,
            clients: None,
        }],
        requests: 5210,
        first_seen: Some(now - 3600 * MICROS_PER_SEC),
        last_seen: Some(now),
        recent: vec![
            format!("02:29:59 GET /admin 404 \"{HOSTILE_UA}\""),
            "02:29:58 GET /.git/config 404 \"sqlmap/1.7\"".into(),
        ],
    }
}

fn render(snap: &Snapshot, state: &mut UiState, w: u16, h: u16) -> Terminal<TestBackend> {
    let theme = Theme::default();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| crate::tui::draw(f, snap, state, &theme))
        .unwrap();
    term
}

fn text(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn assert_no_controls(buf: &Buffer) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.chars()
                    .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
                "raw control character at ({x},{y}): {sym:?}"
            );
        }
    }
}

fn state_for(snap: &Snapshot) -> UiState {
    UiState::new(Arc::new(snap.clone()))
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(state: &mut UiState, code: KeyCode) -> Vec<Control> {
    let a = dispatch(state, key(code)).unwrap_or_else(|| panic!("{code:?} is unbound here"));
    update(state, a)
}

fn drill_state() -> (Snapshot, UiState) {
    let mut snap = fixture();
    snap.detail = Some(detail("203.0.113.7"));
    let mut st = state_for(&snap);
    st.screen = Screen::Drill("203.0.113.7".into());
    st.view.drill = Some("203.0.113.7".into());
    (snap, st)
}
