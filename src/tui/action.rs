//! `Action` (what a key means) and the pure `update` that applies it to `UiState` and says
//! what the engine/runtime must do. No I/O here, so every key is unit-testable.

use super::state::{BlockKind, Overlay, Panel, Screen, UiState};
use crate::output::blocklist::{BlockFormat, BlockList, Options};
use crate::snapshot::{Filter, Mode, Snapshot, ViewSpec};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Close the overlay, leave the drill-down, or clear the filter.
    Back,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    /// Drill into the client under the cursor.
    Open,
    FilterStart,
    FilterInput(char),
    FilterBackspace,
    FilterSubmit,
    FilterCancel,
    TogglePause,
    WindowGrow,
    WindowShrink,
    SpeedUp,
    SpeedDown,
    /// Log-time seconds, ±.
    Seek(i64),
    /// `true`: next anomaly.
    JumpAnomaly(bool),
    BlockRule,
    /// Write every flagged client on screen to a block list in the current directory.
    ExportBlocklist,
}

/// What the UI asks of the engine / runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    SetView(ViewSpec),
    Pause(bool),
    Speed(f64),
    /// Log-time seconds, ±.
    Seek(i64),
    /// `true`: next.
    JumpAnomaly(bool),
    Quit,
    /// A line for the runtime to print on exit (block rules).
    Print(String),
    /// Write the flagged clients of the shown snapshot (`flagged_clients`) to
    /// [`EXPORT_FILE`]; the UI loop does the I/O and puts the outcome in the status line.
    ExportBlocklist,
}

/// Block list format and file of the TUI's export key.
pub const EXPORT_FORMAT: BlockFormat = BlockFormat::Nginx;
pub const EXPORT_FILE: &str = "lbtop-blocklist.conf";

/// Window sizes ladder (`ViewSpec.window` indexes it).
pub const WINDOWS: [&str; 3] = ["10 s", "1 min", "5 min"];

const PAGE: usize = 10;
const MIN_SPEED: f64 = 0.125;
const MAX_SPEED: f64 = 1024.0;

fn is_replay(state: &UiState) -> bool {
    matches!(state.shown().mode, Mode::Replay { .. } | Mode::Demo)
}

fn current_speed(state: &UiState) -> f64 {
    state.speed.unwrap_or(match state.shown().mode {
        Mode::Replay { speed_x100, .. } if speed_x100 > 0 => f64::from(speed_x100) / 100.0,
        _ => 1.0,
    })
}

fn move_sel(state: &mut UiState, delta: isize) {
    if let Screen::Drill(_) = state.screen {
        let n = state.shown().detail.as_ref().map_or(0, |d| d.recent.len());
        let cur = state.drill_table.selected().unwrap_or(0);
        let next = cur.saturating_add_signed(delta).min(n.saturating_sub(1));
        state.drill_table.select(Some(next));
        return;
    }
    let p = state.focus;
    let n = state.rows(p);
    let cur = state.selected(p);
    let next = cur.saturating_add_signed(delta).min(n.saturating_sub(1));
    state.table(p).select(Some(next));
}

/// A block rule for `client`; `None` when the logged "IP" is not an address (never paste a
/// stranger's text into a firewall config). Same formatters as the exported block lists.
pub fn block_rule(kind: BlockKind, client: &str) -> Option<String> {
    use crate::output::blocklist as bl;
    let ip = bl::parse_ip(client)?;
    Some(match kind {
        BlockKind::Nginx => bl::nginx_deny(ip),
        BlockKind::AwsWaf => bl::waf_addresses(ip),
        BlockKind::Fail2ban => bl::fail2ban_banip(ip),
    })
}

/// Every flagged client the snapshot shows: clients with a behaviour, and the authors of the
/// security hits listed. Non-IP clients are left out by the block list itself.
pub fn flagged_clients(snap: &Snapshot) -> BlockList {
    let mut list = BlockList::new(Options::default());
    for c in &snap.clients {
        for b in &c.behaviors {
            list.add(&c.client, snap.now, Some(*b), None, "");
        }
    }
    for s in &snap.security {
        list.add(&s.client_ip, s.time.0, None, Some(s.category), &s.rule);
    }
    list
}

/// Asks for a new view. While paused the screen would keep showing the old view, so the
/// next matching snapshot replaces the frozen one (see `UiState::refreeze`).
fn set_view(state: &mut UiState, out: &mut Vec<Control>) {
    state.refreeze = state.paused;
    out.push(Control::SetView(state.view.clone()));
}

/// Applies `action`; returns what the engine/runtime must do, in order.
pub fn update(state: &mut UiState, action: Action) -> Vec<Control> {
    let mut out = Vec::new();
    // A status message answers one key; the next key clears it.
    state.status = None;
    match action {
        Action::Quit => out.push(Control::Quit),
        Action::ToggleHelp => {
            state.overlay = match state.overlay {
                Some(Overlay::Help) => None,
                _ => Some(Overlay::Help),
            };
        }
        Action::Back => {
            if state.overlay.is_some() {
                state.overlay = None;
            } else if let Screen::Drill(_) = state.screen {
                state.screen = Screen::Overview;
                state.view.drill = None;
                set_view(state, &mut out);
            } else if state.view.filter != Filter::None {
                state.view.filter = Filter::None;
                set_view(state, &mut out);
            }
        }
        Action::FocusNext | Action::FocusPrev => {
            let i = state.focus.index();
            let n = Panel::ALL.len();
            let j = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.focus = Panel::ALL[j];
        }
        Action::Up => move_sel(state, -1),
        Action::Down => move_sel(state, 1),
        Action::PageUp => move_sel(state, -(PAGE as isize)),
        Action::PageDown => move_sel(state, PAGE as isize),
        Action::Open => {
            if let Some(ip) = state.selected_client() {
                state.screen = Screen::Drill(ip.clone());
                state.drill_table.select(Some(0));
                state.view.drill = Some(ip);
                set_view(state, &mut out);
            }
        }
        Action::FilterStart => {
            let current = match &state.view.filter {
                Filter::None => String::new(),
                Filter::Client(s) | Filter::PathContains(s) => s.clone(),
                Filter::StatusClass(c) => format!("{c}xx"),
            };
            state.overlay = Some(Overlay::Filter(current));
        }
        Action::FilterInput(c) => {
            if let Some(Overlay::Filter(s)) = &mut state.overlay {
                if !c.is_control() && s.chars().count() < 200 {
                    s.push(c);
                }
            }
        }
        Action::FilterBackspace => {
            if let Some(Overlay::Filter(s)) = &mut state.overlay {
                s.pop();
            }
        }
        Action::FilterSubmit => {
            if let Some(Overlay::Filter(s)) = state.overlay.take() {
                state.view.filter = Filter::parse(&s);
                for t in &mut state.tables {
                    t.select(Some(0));
                }
                set_view(state, &mut out);
            }
        }
        Action::FilterCancel => {
            if let Some(Overlay::Filter(_)) = state.overlay {
                state.overlay = None;
            }
        }
        Action::TogglePause => {
            state.paused = !state.paused;
            state.frozen = state.paused.then(|| state.latest.clone());
            state.refreeze = false;
            if is_replay(state) {
                out.push(Control::Pause(state.paused));
            }
        }
        Action::WindowGrow | Action::WindowShrink => {
            let w = state.view.window.min(WINDOWS.len() - 1);
            let nw = if action == Action::WindowGrow {
                (w + 1).min(WINDOWS.len() - 1)
            } else {
                w.saturating_sub(1)
            };
            if nw != state.view.window {
                state.view.window = nw;
                set_view(state, &mut out);
            }
        }
        Action::SpeedUp | Action::SpeedDown => {
            if is_replay(state) {
                let s = current_speed(state);
                let ns = if action == Action::SpeedUp {
                    s * 2.0
                } else {
                    s / 2.0
                }
                .clamp(MIN_SPEED, MAX_SPEED);
                state.speed = Some(ns);
                out.push(Control::Speed(ns));
            }
        }
        Action::Seek(secs) => {
            if is_replay(state) {
                out.push(Control::Seek(secs));
            }
        }
        Action::JumpAnomaly(next) => {
            if is_replay(state) {
                out.push(Control::JumpAnomaly(next));
            }
        }
        Action::BlockRule => {
            if let Screen::Drill(ip) = &state.screen {
                let kind = match &state.overlay {
                    Some(Overlay::BlockRule { kind, .. }) => kind.next(),
                    _ => BlockKind::Nginx,
                };
                let text = block_rule(kind, ip);
                if let Some(t) = &text {
                    out.push(Control::Print(t.clone()));
                }
                state.overlay = Some(Overlay::BlockRule {
                    kind,
                    text: text.unwrap_or_else(|| "not an IP address: no rule".to_string()),
                });
            }
        }
        Action::ExportBlocklist => out.push(Control::ExportBlocklist),
    }
    out
}
