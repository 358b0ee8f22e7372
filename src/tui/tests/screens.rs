//! Screens rendered into `TestBackend` at 100×30 and 80×24 (insta), plus style and safety checks.

use super::*;

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

/// With detectors off (`--detect`), their panels say so rather than "no anomalies" or "no
/// security hits", which would read as a clean log.
#[test]
fn panels_say_when_their_detector_is_off() {
    let snap = Snapshot {
        detectors: crate::detect::Detectors::NONE,
        ..Snapshot::default()
    };
    let mut st = state_for(&snap);
    let t = text(render(&snap, &mut st, 100, 30).backend().buffer());
    for needle in [
        "security rules off (--detect)",
        "anomaly scoring off (--detect)",
    ] {
        assert!(t.contains(needle), "missing {needle:?}\n{t}");
    }
    for clean in ["no security hits", "no anomalies"] {
        assert!(
            !t.contains(clean),
            "{clean:?} shown with the detector off\n{t}"
        );
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
    term.draw(|f| crate::tui::draw(f, &snap, &mut st, &theme))
        .unwrap();
    term.backend_mut().resize(60, 20);
    term.draw(|f| crate::tui::draw(f, &snap, &mut st, &theme))
        .unwrap();
    assert!(text(term.backend().buffer()).contains("this terminal is 60×20"));
    term.backend_mut().resize(120, 40);
    term.draw(|f| crate::tui::draw(f, &snap, &mut st, &theme))
        .unwrap();
    let t = text(term.backend().buffer());
    assert!(
        t.contains("Clients") && !t.contains("this terminal is"),
        "{t}"
    );
    assert_eq!(st.spark_width, 120 - 38);
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
fn header_shows_alert_delivery_counts() {
    let mut snap = fixture();
    snap.rejected = 0;
    snap.alerts = Some(crate::event::AlertCounts {
        sent: 12,
        failed: 2,
        dropped: 5,
    });
    let mut st = state_for(&snap);
    let t = text(render(&snap, &mut st, 120, 30).backend().buffer());
    assert!(t.contains("alerts 12 sent, 2 failed, 5 dropped"), "{t}");
    snap.alerts = Some(crate::event::AlertCounts {
        sent: 3,
        ..Default::default()
    });
    let t = text(render(&snap, &mut st, 120, 30).backend().buffer());
    assert!(t.contains("alerts 3 sent") && !t.contains("failed"), "{t}");
}

#[test]
fn no_color_theme_draws_without_colours() {
    use ratatui::style::Color;
    let theme = Theme::load(None, true).unwrap();
    let (snap, mut st) = drill_state();
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for screen in [Screen::Overview, st.screen.clone()] {
        st.screen = screen;
        term.draw(|f| crate::tui::draw(f, &snap, &mut st, &theme))
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

#[test]
#[ignore = "timing figure, run by hand: cargo test --release --lib draw_cost -- --ignored --nocapture"]
fn draw_cost() {
    let theme = Theme::default();
    let (snap, mut st) = drill_state();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    for screen in [Screen::Overview, st.screen.clone()] {
        st.screen = screen.clone();
        let t = std::time::Instant::now();
        let n = 500;
        for _ in 0..n {
            term.draw(|f| crate::tui::draw(f, &snap, &mut st, &theme))
                .unwrap();
        }
        eprintln!("{screen:?} 200x60: {:?} per frame", t.elapsed() / n);
    }
}
