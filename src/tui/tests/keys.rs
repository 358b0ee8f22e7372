//! keymap → action → update, without a terminal.

use super::*;

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

#[test]
fn prompt_takes_text_but_ctrl_c_still_quits() {
    let mut st = state_for(&fixture());
    press(&mut st, KeyCode::Char('/'));
    for c in ['q', '?', ' ', 'b', '+'] {
        assert_eq!(press(&mut st, KeyCode::Char(c)), vec![]);
    }
    assert_eq!(st.overlay, Some(Overlay::Filter("q? b+".into())));
    let a = dispatch(
        &st,
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    );
    assert_eq!(a, Some(Action::Quit));
    // Alt-chords are not text.
    let a = dispatch(&st, KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT));
    assert_eq!(a, None);
}

#[test]
fn export_key_lists_the_flagged_clients_on_screen() {
    use crate::output::blocklist::BlockFormat;
    let snap = fixture();
    let mut st = state_for(&snap);
    // `B` works on both screens and asks the loop to write the file.
    assert_eq!(
        press(&mut st, KeyCode::Char('B')),
        vec![Control::ExportBlocklist]
    );
    let (_, mut drill) = drill_state();
    assert_eq!(
        press(&mut drill, KeyCode::Char('B')),
        vec![Control::ExportBlocklist]
    );
    // The next key clears the status line.
    st.status = Some("written".into());
    press(&mut st, KeyCode::Char('j'));
    assert_eq!(st.status, None);

    let list = super::super::action::flagged_clients(&snap);
    let reasons: Vec<(String, String)> = list
        .entries()
        .iter()
        .map(|e| (e.ip.to_string(), e.reasons()))
        .collect();
    // The escape-laden "client" never reaches the list; clean clients without behaviour either.
    assert_eq!(
        reasons,
        [
            ("192.0.2.99".to_string(), "credential_stuffing".to_string()),
            ("198.51.100.23".into(), "flood, traversal".into()),
            (
                "203.0.113.7".into(),
                "scanner, bad_bot, sqli, scanner_agent".into()
            ),
        ]
    );
    let mut out = Vec::new();
    list.write(BlockFormat::Nginx, 0, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("deny ")).count(), 3);
    // The help overlay shows the key (it reads the same table).
    let help = help_lines();
    let line = help
        .iter()
        .find(|l| l.help.contains("export flagged"))
        .expect("export key in help");
    assert_eq!(line.keys, ["B"]);
}
