//! Screen tests on `TestBackend` with a deterministic fixture, keymap → action → update
//! tests, and the event loop driven by a scripted key stream.

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
    term.draw(|f| super::draw(f, snap, state, &theme)).unwrap();
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

// ---- screens ----

#[test]
fn overview_screens() {
    for (w, h) in [(100, 30), (80, 24)] {
        let snap = fixture();
        let mut st = state_for(&snap);
        let term = render(&snap, &mut st, w, h);
        let t = text(term.backend().buffer());
        for needle in [
            "LIVE",
            "req/s",
            "p99 ms",
            "5xx %",
            "anomaly",
            "Clients",
            "203.0.113.7",
            "error_spike",
            "Security (57 hits)",
            "Targets",
            "912",
            "950",
            "02:30:00Z",
        ] {
            assert!(t.contains(needle), "{w}x{h}: missing {needle:?}\n{t}");
        }
        // The incident's anomalous windows are marked on the axis, at the right end.
        assert!(t.contains('▲'), "{t}");
        assert_no_controls(term.backend().buffer());
        // The escaped hostile client IP is shown, not interpreted.
        assert!(t.contains("\\e[31m10.6"), "{t}");
        assert_eq!(usize::from(st.spark_width), usize::from(w) - 38);
        insta::assert_snapshot!(format!("overview_{w}x{h}"), term.backend());
    }
}

#[test]
fn drill_screens() {
    for (w, h) in [(100, 30), (80, 24)] {
        let (snap, mut st) = drill_state();
        let term = render(&snap, &mut st, w, h);
        let t = text(term.backend().buffer());
        for needle in [
            "Client 203.0.113.7",
            "5,210 requests",
            "Status",
            "404",
            "/wp-login.php",
            "User agents",
            "Security hits (1)",
            "scanner",
            "Latest requests",
            "\\e[2J",
        ] {
            assert!(t.contains(needle), "{w}x{h}: missing {needle:?}\n{t}");
        }
        assert_no_controls(term.backend().buffer());
        insta::assert_snapshot!(format!("drill_{w}x{h}"), term.backend());
    }
}

#[test]
fn drill_waits_for_its_detail() {
    let snap = fixture();
    let mut st = state_for(&snap);
    st.screen = Screen::Drill("192.0.2.10".into());
    let t = text(render(&snap, &mut st, 80, 24).backend().buffer());
    assert!(t.contains("loading drill-down for 192.0.2.10"), "{t}");
}

#[test]
fn help_screens_list_every_binding() {
    for (w, h) in [(100, 30), (80, 24)] {
        let snap = fixture();
        let mut st = state_for(&snap);
        st.overlay = Some(Overlay::Help);
        let term = render(&snap, &mut st, w, h);
        let t = text(term.backend().buffer());
        for l in help_lines() {
            assert!(t.contains(l.help), "{w}x{h}: help misses {:?}\n{t}", l.help);
            assert!(
                t.contains(&l.keys.join(" ")),
                "{w}x{h}: keys {:?}\n{t}",
                l.keys
            );
        }
        insta::assert_snapshot!(format!("help_{w}x{h}"), term.backend());
    }
    // Every binding of the table is in some help line, under its context.
    let lines = help_lines();
    for b in KEYMAP {
        assert!(
            lines
                .iter()
                .any(|l| l.context == b.context && l.keys.contains(&key_label(b))),
            "{:?} missing from help",
            b
        );
    }
}

#[test]
fn filter_prompt_screens() {
    for (w, h) in [(100, 30), (80, 24)] {
        let snap = fixture();
        let mut st = state_for(&snap);
        st.overlay = Some(Overlay::Filter("5x\x1b".into()));
        let term = render(&snap, &mut st, w, h);
        let t = text(term.backend().buffer());
        assert!(t.contains("/5x\\e▏"), "{t}");
        assert!(t.contains("status class (5xx)"), "{t}");
        insta::assert_snapshot!(format!("filter_{w}x{h}"), term.backend());
    }
}

#[test]
fn empty_waiting_screens() {
    for (w, h) in [(100, 30), (80, 24)] {
        let snap = Snapshot::default();
        let mut st = state_for(&snap);
        let term = render(&snap, &mut st, w, h);
        let t = text(term.backend().buffer());
        for needle in [
            "waiting for data",
            "no clients yet",
            "no anomalies",
            "no security hits",
            "0 rejected",
        ] {
            assert!(t.contains(needle), "{w}x{h}: missing {needle:?}\n{t}");
        }
        insta::assert_snapshot!(format!("empty_{w}x{h}"), term.backend());
    }
}

#[test]
fn rejected_banner_screens() {
    let theme = Theme::default();
    for (w, h) in [(100, 30), (80, 24)] {
        let mut snap = fixture();
        snap.rejected = 42;
        snap.rejected_by_reason = vec![Count {
            key: "bad_timestamp".into(),
            count: 42,
        }];
        snap.last_rejected = Some(("garbage\x1b[2J line".into(), "bad_timestamp".into()));
        let mut st = state_for(&snap);
        let term = render(&snap, &mut st, w, h);
        let buf = term.backend().buffer();
        let t = text(buf);
        assert!(t.contains("42 rejected: bad_timestamp"), "{t}");
        let row1: String = (0..w).map(|x| buf[(x, 1)].symbol().to_string()).collect();
        let x = row1.find("42 rejected").unwrap();
        let x = row1[..x].chars().count() as u16;
        assert_eq!(
            buf[(x, 1)].bg,
            theme.warning.bg.unwrap(),
            "banner is highlighted"
        );
        assert_no_controls(buf);
        insta::assert_snapshot!(format!("rejected_{w}x{h}"), term.backend());
    }
}

#[test]
fn too_small_is_polite() {
    let snap = fixture();
    let mut st = state_for(&snap);
    let term = render(&snap, &mut st, 60, 20);
    let t = text(term.backend().buffer());
    assert!(
        t.contains("lbtop needs at least 80×24; this terminal is 60×20"),
        "{t}"
    );
    insta::assert_snapshot!("too_small_60x20", term.backend());
}

#[test]
fn status_5xx_cell_has_theme_style() {
    let theme = Theme::default();
    let snap = fixture();
    let mut st = state_for(&snap);
    let term = render(&snap, &mut st, 100, 30);
    let buf = term.backend().buffer();
    let (mut hit, mut target_hit) = (false, false);
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        // client 192.0.2.10 has 777 5xx (not the selected row, so no highlight on top)
        if let Some(i) = row.find(" 777") {
            let x = row[..i + 1].chars().count() as u16;

            assert_eq!(buf[(x, y)].fg, theme.status_5xx.fg.unwrap(), "{row}");
            assert!(
                buf[(x, y)]
                    .modifier
                    .contains(ratatui::style::Modifier::BOLD)
            );
            hit = true;
        }
        if let Some(i) = row.find(" 912") {
            let x = row[..i + 1].chars().count() as u16;
            assert_eq!(buf[(x, y)].fg, theme.status_5xx.fg.unwrap());
            target_hit = true;
        }
    }
    assert!(hit && target_hit, "{}", text(buf));
}

#[test]
fn long_request_keeps_start_and_end() {
    let snap = fixture();
    let mut st = state_for(&snap);
    let t = text(render(&snap, &mut st, 100, 30).backend().buffer());
    let line = t.lines().find(|l| l.contains("sqli")).unwrap();
    assert!(line.contains("GET /search?q"), "{line}");
    assert!(line.contains("HTTP/1.1"), "{line}");
    assert!(line.contains('…'), "{line}");
}

#[test]
fn resizes_live() {
    let theme = Theme::default();
    let snap = fixture();
    let mut st = state_for(&snap);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| super::draw(f, &snap, &mut st, &theme))
        .unwrap();
    term.backend_mut().resize(60, 20);
    term.draw(|f| super::draw(f, &snap, &mut st, &theme))
        .unwrap();
    assert!(text(term.backend().buffer()).contains("this terminal is 60×20"));
    term.backend_mut().resize(120, 40);
    term.draw(|f| super::draw(f, &snap, &mut st, &theme))
        .unwrap();
    let t = text(term.backend().buffer());
    assert!(
        t.contains("Clients") && !t.contains("this terminal is"),
        "{t}"
    );
    assert_eq!(st.spark_width, 120 - 38);
}

// ---- keymap → action → update ----

#[test]
fn enter_on_selected_ip_drills_in_and_back_returns() {
    let snap = fixture();
    let mut st = state_for(&snap);
    assert_eq!(press(&mut st, KeyCode::Char('j')), vec![]);
    assert_eq!(st.selected(Panel::Clients), 1);
    let c = press(&mut st, KeyCode::Enter);
    assert_eq!(st.screen, Screen::Drill("198.51.100.23".into()));
    let want = ViewSpec {
        drill: Some("198.51.100.23".into()),
        ..ViewSpec::default()
    };
    assert_eq!(c, vec![Control::SetView(want)]);
    // Esc goes back and clears the drill.
    let c = press(&mut st, KeyCode::Esc);
    assert_eq!(st.screen, Screen::Overview);
    assert_eq!(c, vec![Control::SetView(ViewSpec::default())]);
    // From the security list (Tab twice: anomalies, security), Enter opens that client.
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.focus, Panel::Anomalies);
    assert_eq!(
        press(&mut st, KeyCode::Enter),
        vec![],
        "anomalies hold no client"
    );
    press(&mut st, KeyCode::Tab);
    press(&mut st, KeyCode::Down);
    press(&mut st, KeyCode::Enter);
    assert_eq!(st.screen, Screen::Drill("198.51.100.23".into()));
    // Backspace also goes back; BackTab moves focus backwards.
    press(&mut st, KeyCode::Backspace);
    assert_eq!(st.screen, Screen::Overview);
    let a = dispatch(&st, KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)).unwrap();
    update(&mut st, a);
    assert_eq!(st.focus, Panel::Anomalies);
}

#[test]
fn selection_stays_in_bounds() {
    let snap = fixture();
    let mut st = state_for(&snap);
    for _ in 0..20 {
        press(&mut st, KeyCode::Down);
    }
    assert_eq!(st.selected(Panel::Clients), snap.clients.len() - 1);
    press(&mut st, KeyCode::PageUp);
    assert_eq!(st.selected(Panel::Clients), 0);
}

#[test]
fn filter_prompt_parses_status_class() {
    let snap = fixture();
    let mut st = state_for(&snap);
    press(&mut st, KeyCode::Char('/'));
    assert_eq!(st.overlay, Some(Overlay::Filter(String::new())));
    for c in "5xq".chars() {
        press(&mut st, KeyCode::Char(c)); // 'q' is text here, not quit
    }
    press(&mut st, KeyCode::Backspace);
    press(&mut st, KeyCode::Char('x'));
    let c = press(&mut st, KeyCode::Enter);
    assert_eq!(st.view.filter, Filter::StatusClass(5));
    assert_eq!(st.overlay, None);
    assert_eq!(
        c,
        vec![Control::SetView(ViewSpec {
            filter: Filter::StatusClass(5),
            ..ViewSpec::default()
        })]
    );
    // Esc on the overview clears the filter.
    let c = press(&mut st, KeyCode::Esc);
    assert_eq!(st.view.filter, Filter::None);
    assert_eq!(c.len(), 1);
    // Esc in the prompt cancels without touching the view.
    press(&mut st, KeyCode::Char('/'));
    press(&mut st, KeyCode::Char('1'));
    assert_eq!(press(&mut st, KeyCode::Esc), vec![]);
    assert_eq!(st.overlay, None);
    assert_eq!(st.view.filter, Filter::None);
}

#[test]
fn space_freezes_the_screen_and_pauses_replay() {
    let snap = fixture();
    let mut st = state_for(&snap);
    assert_eq!(
        press(&mut st, KeyCode::Char(' ')),
        vec![],
        "live: no playback to pause"
    );
    assert!(st.paused);
    let first = st.shown().clone();
    st.latest = Arc::new(Snapshot {
        lines: 1,
        ..Snapshot::default()
    });
    assert!(Arc::ptr_eq(st.shown(), &first), "frozen while paused");
    press(&mut st, KeyCode::Char(' '));
    assert!(!st.paused);
    assert_eq!(st.shown().lines, 1);

    let mut st = state_for(&Snapshot {
        mode: Mode::Replay {
            speed_x100: 1000,
            paused: false,
        },
        ..fixture()
    });
    assert_eq!(
        press(&mut st, KeyCode::Char(' ')),
        vec![Control::Pause(true)]
    );
    assert_eq!(
        press(&mut st, KeyCode::Char(' ')),
        vec![Control::Pause(false)]
    );
    assert_eq!(
        press(&mut st, KeyCode::Char('>')),
        vec![Control::Speed(20.0)]
    );
    assert_eq!(
        press(&mut st, KeyCode::Char('<')),
        vec![Control::Speed(10.0)]
    );
    assert_eq!(press(&mut st, KeyCode::Char('}')), vec![Control::Seek(600)]);
    assert_eq!(press(&mut st, KeyCode::Char('[')), vec![Control::Seek(-60)]);
    assert_eq!(
        press(&mut st, KeyCode::Char('n')),
        vec![Control::JumpAnomaly(true)]
    );
    let a = dispatch(&st, KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT)).unwrap();
    assert_eq!(update(&mut st, a), vec![Control::JumpAnomaly(false)]);
}

#[test]
fn window_keys_walk_the_ladder() {
    let mut st = state_for(&fixture());
    assert_eq!(
        press(&mut st, KeyCode::Char('-')),
        vec![],
        "already the shortest"
    );
    press(&mut st, KeyCode::Char('+'));
    let c = press(&mut st, KeyCode::Char('+'));
    assert_eq!(st.view.window, 2);
    assert_eq!(
        c,
        vec![Control::SetView(ViewSpec {
            window: 2,
            ..ViewSpec::default()
        })]
    );
    assert_eq!(press(&mut st, KeyCode::Char('+')), vec![]);
}

#[test]
fn block_rules_cycle_and_print() {
    let (_, mut st) = drill_state();
    let c = press(&mut st, KeyCode::Char('b'));
    assert_eq!(c, vec![Control::Print("deny 203.0.113.7;".into())]);
    let c = press(&mut st, KeyCode::Char('b'));
    assert_eq!(
        c,
        vec![Control::Print(
            "{\"Addresses\": [\"203.0.113.7/32\"]}".into()
        )]
    );
    let c = press(&mut st, KeyCode::Char('b'));
    assert_eq!(
        c,
        vec![Control::Print(
            "fail2ban-client set lbtop banip 203.0.113.7".into()
        )]
    );
    assert!(matches!(
        st.overlay,
        Some(Overlay::BlockRule {
            kind: BlockKind::Fail2ban,
            ..
        })
    ));
    press(&mut st, KeyCode::Esc);
    assert_eq!(st.overlay, None);
    assert!(
        matches!(st.screen, Screen::Drill(_)),
        "Esc closed only the popup"
    );
    assert_eq!(
        block_rule(BlockKind::AwsWaf, "2001:db8::1").unwrap(),
        "{\"Addresses\": [\"2001:db8::1/128\"]}"
    );
    // A stranger's text is never turned into a firewall rule.
    assert_eq!(block_rule(BlockKind::Nginx, "1.2.3.4; allow all"), None);
    st.screen = Screen::Drill("\x1b[2J".into());
    assert_eq!(press(&mut st, KeyCode::Char('b')), vec![]);
}

#[test]
fn quit_keys_and_help() {
    let mut st = state_for(&fixture());
    assert_eq!(press(&mut st, KeyCode::Char('q')), vec![Control::Quit]);
    let a = dispatch(
        &st,
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    )
    .unwrap();
    assert_eq!(a, Action::Quit);
    press(&mut st, KeyCode::Char('?'));
    assert_eq!(st.overlay, Some(Overlay::Help));
    assert_eq!(press(&mut st, KeyCode::Char('?')), vec![]);
    assert_eq!(st.overlay, None);
}

// ---- the event loop ----

struct Script(
    std::collections::VecDeque<(u64, Option<KeyCode>)>,
    Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
);

/// Yields each key after its delay (ms); `None` entries only wait.
impl futures_core::Stream for Script {
    type Item = std::io::Result<crossterm::event::Event>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        loop {
            let Some(&(ms, k)) = self.0.front() else {
                return Poll::Pending;
            };
            if self.1.is_none() {
                self.1 = Some(Box::pin(tokio::time::sleep(
                    std::time::Duration::from_millis(ms),
                )));
            }
            match self.1.as_mut().unwrap().as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => {
                    self.1 = None;
                    self.0.pop_front();
                    if let Some(k) = k {
                        return Poll::Ready(Some(Ok(crossterm::event::Event::Key(key(k)))));
                    }
                }
            }
        }
    }
}

use std::future::Future as _;

#[tokio::test]
async fn run_reacts_to_snapshots_and_quits_on_q() {
    let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(Snapshot::default()));
    let (ctl_tx, mut ctl_rx) = tokio::sync::mpsc::channel(16);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let script = Script(
        [
            (150, None),
            (0, Some(KeyCode::Enter)), // drill into the top client of the new snapshot
            (0, Some(KeyCode::Char('b'))),
            (150, Some(KeyCode::Char('q'))),
        ]
        .into(),
        None,
    );
    let feeder = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        snap_tx.send(Arc::new(fixture())).unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        drop(snap_tx);
    });
    let printed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        super::run(&mut term, snap_rx, ctl_tx, Theme::default(), script),
    )
    .await
    .expect("run quits on q")
    .unwrap();
    feeder.abort();
    assert_eq!(printed, vec!["deny 203.0.113.7;".to_string()]);
    let mut got = Vec::new();
    while let Ok(c) = ctl_rx.try_recv() {
        got.push(c);
    }
    // First the sparkline width from the first frame, then the drill, the rule, and Quit.
    assert_eq!(
        got.first(),
        Some(&Control::SetView(ViewSpec {
            points: 62,
            ..ViewSpec::default()
        }))
    );
    assert!(
        got.contains(&Control::SetView(ViewSpec {
            drill: Some("203.0.113.7".into()),
            points: 62,
            ..ViewSpec::default()
        })),
        "{got:?}"
    );
    assert_eq!(
        &got[got.len() - 2..],
        &[Control::Print("deny 203.0.113.7;".into()), Control::Quit]
    );
    // The last frame drew the new snapshot's drill-down (popup on top).
    let t = text(term.backend().buffer());
    assert!(t.contains("Block rule: nginx"), "{t}");
    assert!(t.contains("deny 203.0.113.7;"), "{t}");
    assert!(!t.contains("waiting for data"), "{t}");
}

#[test]
fn header_shows_pause_and_replay_speed() {
    let mut snap = fixture();
    snap.mode = Mode::Replay {
        speed_x100: 1000,
        paused: false,
    };
    let mut st = state_for(&snap);
    let t = text(render(&snap, &mut st, 100, 30).backend().buffer());
    assert!(t.contains(" REPLAY ×10 "), "{t}");
    assert!(t.contains("> speed"), "replay hints in the footer: {t}");
    st.paused = true;
    let t = text(render(&snap, &mut st, 100, 30).backend().buffer());
    assert!(t.contains(" PAUSED "), "{t}");
    let snap = fixture();
    let mut st = state_for(&snap);
    let t = text(render(&snap, &mut st, 100, 30).backend().buffer());
    assert!(!t.contains("> speed"), "no replay hints when live: {t}");
}

#[test]
fn no_color_theme_draws_without_colours() {
    use ratatui::style::Color;
    let theme = Theme::load(None, true).unwrap();
    let (snap, mut st) = drill_state();
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for screen in [Screen::Overview, st.screen.clone()] {
        st.screen = screen;
        term.draw(|f| super::draw(f, &snap, &mut st, &theme))
            .unwrap();
        let buf = term.backend().buffer();
        for c in &buf.content {
            assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
        }
        // Modifiers survive: the focused border is bold.
        assert!(
            buf.content
                .iter()
                .any(|c| c.modifier.contains(ratatui::style::Modifier::BOLD))
        );
    }
}

#[test]
fn odd_sizes_and_degenerate_data_do_not_panic() {
    let mut snap = fixture();
    snap.rps.values = vec![f64::NAN, f64::INFINITY, -1.0, 5.0];
    snap.anomalous = vec![true; 1000];
    snap.sources = vec!["x".repeat(5000)];
    snap.clients[0].client = "\u{202e}".repeat(300);
    snap.security[0].request = "\x1b".repeat(10_000);
    snap.detail = Some(ClientDetail {
        client: "203.0.113.7".into(),
        ..ClientDetail::default()
    });
    for (w, h) in [
        (0, 0),
        (1, 1),
        (79, 24),
        (80, 23),
        (80, 24),
        (81, 25),
        (150, 50),
        (300, 100),
    ] {
        for screen in [Screen::Overview, Screen::Drill("203.0.113.7".into())] {
            let mut st = state_for(&snap);
            st.screen = screen;
            for overlay in [
                None,
                Some(Overlay::Help),
                Some(Overlay::Filter("\x1b".into())),
            ] {
                st.overlay = overlay;
                let term = render(&snap, &mut st, w, h);
                assert_no_controls(term.backend().buffer());
            }
        }
    }
}

/// TestBackend that counts frames (one `flush` per `Terminal::draw`).
struct Counting(TestBackend, Arc<std::sync::atomic::AtomicUsize>);

impl ratatui::backend::Backend for Counting {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.0.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.0.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        p: P,
    ) -> Result<(), Self::Error> {
        self.0.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }
    fn clear_region(&mut self, t: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(t)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.0.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.0.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.flush()
    }
}

async fn frames_for(snapshots: usize, every_ms: u64, quit_after_ms: u64) -> usize {
    let frames = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut term = Terminal::new(Counting(TestBackend::new(100, 30), frames.clone())).unwrap();
    let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(fixture()));
    let (ctl_tx, _ctl_rx) = tokio::sync::mpsc::channel(1024);
    let feeder = tokio::spawn(async move {
        for i in 0..snapshots {
            tokio::time::sleep(std::time::Duration::from_millis(every_ms)).await;
            let _ = snap_tx.send(Arc::new(Snapshot {
                lines: i as u64,
                ..fixture()
            }));
        }
        std::future::pending::<()>().await;
    });
    let script = Script([(quit_after_ms, Some(KeyCode::Char('q')))].into(), None);
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        super::run(&mut term, snap_rx, ctl_tx, Theme::default(), script),
    )
    .await
    .unwrap()
    .unwrap();
    feeder.abort();
    frames.load(std::sync::atomic::Ordering::Relaxed)
}

#[tokio::test]
async fn redraws_only_on_change_and_caps_the_frame_rate() {
    // Idle: one frame at start, none while nothing changes.
    assert_eq!(frames_for(0, 1, 300).await, 1);
    // A flood of ~250 snapshots in 500 ms: at most one frame per 50 ms (plus the first).
    let n = frames_for(250, 2, 500).await;
    assert!((3..=12).contains(&n), "{n} frames");
}

#[test]
fn view_changes_while_paused_refreeze_on_the_answer() {
    let snap = fixture();
    let mut st = state_for(&snap);
    press(&mut st, KeyCode::Char(' '));
    // A periodic snapshot while paused is not shown.
    assert!(!st.receive(Arc::new(Snapshot {
        lines: 7,
        ..fixture()
    })));
    assert_eq!(st.shown().lines, snap.lines);
    // Drilling in while paused: snapshots without the detail keep the freeze ...
    press(&mut st, KeyCode::Enter);
    assert!(st.refreeze);
    assert!(!st.receive(Arc::new(fixture())));
    // ... the one carrying the drilled client's detail replaces it, once.
    let mut answer = fixture();
    answer.detail = Some(detail("203.0.113.7"));
    assert!(st.receive(Arc::new(answer)));
    assert!(st.shown().detail.is_some());
    assert!(st.paused && !st.refreeze);
    assert!(!st.receive(Arc::new(fixture())));
    assert!(st.shown().detail.is_some(), "still frozen on the answer");
}
