//! The one key table. Dispatch, the help overlay and the footer hints all read it, so help
//! cannot drift from behaviour.

use super::action::Action;
use super::state::{Overlay, Screen, UiState};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Both screens, no overlay open.
    Global,
    Overview,
    Drill,
    /// Replay / demo playback (both screens).
    Replay,
    /// The `/` prompt is open.
    Filter,
    /// Help or a popup is open.
    Popup,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Overview => "Overview",
            Context::Drill => "Client drill-down",
            Context::Replay => "Replay",
            Context::Filter => "Filter prompt",
            Context::Popup => "Help / popups",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct KeyBinding {
    pub context: Context,
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub action: Action,
    pub help: &'static str,
    /// Short label for the footer; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
}

const fn kb(
    context: Context,
    code: KeyCode,
    action: Action,
    help: &'static str,
    hint: Option<&'static str>,
) -> KeyBinding {
    KeyBinding {
        context,
        code,
        mods: KeyModifiers::NONE,
        action,
        help,
        hint,
    }
}

use Context::{Drill, Filter, Global, Overview, Popup, Replay};
use KeyCode::{BackTab, Backspace, Char, Down, Enter, Esc, Left, PageDown, PageUp, Right, Tab, Up};

pub const KEYMAP: &[KeyBinding] = &[
    kb(Global, Char('q'), Action::Quit, "quit", Some("quit")),
    KeyBinding {
        mods: KeyModifiers::CONTROL,
        ..kb(Global, Char('c'), Action::Quit, "quit", None)
    },
    kb(
        Global,
        Char('?'),
        Action::ToggleHelp,
        "show this help",
        Some("help"),
    ),
    kb(
        Global,
        Char(' '),
        Action::TogglePause,
        "pause screen (data flows)",
        Some("pause"),
    ),
    kb(
        Global,
        Char('/'),
        Action::FilterStart,
        "filter: IP, path, 5xx",
        Some("filter"),
    ),
    kb(
        Global,
        Char('+'),
        Action::WindowGrow,
        "longer window (10s/1m/5m)",
        Some("window"),
    ),
    kb(Global, Char('='), Action::WindowGrow, "longer window", None),
    kb(
        Global,
        Char('-'),
        Action::WindowShrink,
        "shorter window",
        None,
    ),
    kb(Global, Esc, Action::Back, "back / clear filter", None),
    kb(
        Global,
        Char('B'),
        Action::ExportBlocklist,
        "export flagged (nginx)",
        None,
    ),
    kb(
        Overview,
        Tab,
        Action::FocusNext,
        "next panel",
        Some("panel"),
    ),
    kb(Overview, BackTab, Action::FocusPrev, "previous panel", None),
    kb(Overview, Right, Action::FocusNext, "next panel", None),
    kb(Overview, Left, Action::FocusPrev, "previous panel", None),
    kb(Overview, Down, Action::Down, "move down", None),
    kb(Overview, Char('j'), Action::Down, "move down", Some("move")),
    kb(Overview, Up, Action::Up, "move up", None),
    kb(Overview, Char('k'), Action::Up, "move up", None),
    kb(Overview, PageDown, Action::PageDown, "page down", None),
    kb(Overview, PageUp, Action::PageUp, "page up", None),
    kb(
        Overview,
        Enter,
        Action::Open,
        "drill into client",
        Some("drill"),
    ),
    kb(
        Drill,
        Backspace,
        Action::Back,
        "back to the overview",
        Some("back"),
    ),
    kb(
        Drill,
        Char('b'),
        Action::BlockRule,
        "block rule (nginx/WAF/f2b)",
        Some("block rule"),
    ),
    kb(Drill, Down, Action::Down, "scroll latest requests", None),
    kb(
        Drill,
        Char('j'),
        Action::Down,
        "scroll latest requests",
        None,
    ),
    kb(Drill, Up, Action::Up, "scroll latest requests", None),
    kb(Drill, Char('k'), Action::Up, "scroll latest requests", None),
    kb(
        Replay,
        Char('>'),
        Action::SpeedUp,
        "replay speed ×2",
        Some("speed"),
    ),
    kb(
        Replay,
        Char('<'),
        Action::SpeedDown,
        "replay speed ÷2",
        None,
    ),
    kb(
        Replay,
        Char(']'),
        Action::Seek(60),
        "jump forward 1 min",
        Some("seek"),
    ),
    kb(
        Replay,
        Char('['),
        Action::Seek(-60),
        "jump back 1 min",
        None,
    ),
    kb(
        Replay,
        Char('}'),
        Action::Seek(600),
        "jump forward 10 min",
        None,
    ),
    kb(
        Replay,
        Char('{'),
        Action::Seek(-600),
        "jump back 10 min",
        None,
    ),
    kb(
        Replay,
        Char('n'),
        Action::JumpAnomaly(true),
        "next anomaly",
        Some("anomaly"),
    ),
    kb(
        Replay,
        Char('N'),
        Action::JumpAnomaly(false),
        "previous anomaly",
        None,
    ),
    kb(
        Filter,
        Enter,
        Action::FilterSubmit,
        "apply (empty clears)",
        Some("apply"),
    ),
    kb(Filter, Esc, Action::FilterCancel, "cancel", Some("cancel")),
    kb(
        Filter,
        Backspace,
        Action::FilterBackspace,
        "delete a character",
        None,
    ),
    kb(Popup, Esc, Action::Back, "close", Some("close")),
    kb(Popup, Char('q'), Action::Quit, "quit", None),
    kb(Popup, Char('?'), Action::ToggleHelp, "close help", None),
    KeyBinding {
        mods: KeyModifiers::CONTROL,
        ..kb(Popup, Char('c'), Action::Quit, "quit", None)
    },
];

/// The contexts active for a state, most specific first.
pub fn contexts(state: &UiState) -> &'static [Context] {
    match (&state.overlay, &state.screen) {
        (Some(Overlay::Filter(_)), _) => &[Filter],
        (Some(Overlay::BlockRule { .. }), Screen::Drill(_)) => &[Popup, Drill],
        (Some(_), _) => &[Popup],
        (None, Screen::Overview) => &[Overview, Replay, Global],
        (None, Screen::Drill(_)) => &[Drill, Replay, Global],
    }
}

fn same_mods(a: KeyModifiers, b: KeyModifiers) -> bool {
    // Shift is implied by the character itself ('N', '>', '{') and by BackTab.
    a.difference(KeyModifiers::SHIFT) == b.difference(KeyModifiers::SHIFT)
}

/// `(screen + overlay, key) → action`, read from [`KEYMAP`].
pub fn dispatch(state: &UiState, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    for ctx in contexts(state) {
        if let Some(b) = KEYMAP
            .iter()
            .find(|b| b.context == *ctx && b.code == key.code && same_mods(b.mods, key.modifiers))
        {
            return Some(b.action);
        }
    }
    // The prompt takes any other printable character as text.
    if let (Some(Overlay::Filter(_)), Char(c)) = (&state.overlay, key.code) {
        if !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Some(Action::FilterInput(c));
        }
        if c == 'c' && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::Quit);
        }
    }
    None
}

/// How a binding's key is written in help and the footer.
pub fn key_label(b: &KeyBinding) -> String {
    let base = match b.code {
        Char(' ') => "Space".to_string(),
        Char(c) => c.to_string(),
        Tab => "Tab".into(),
        BackTab => "S-Tab".into(),
        Enter => "Enter".into(),
        Esc => "Esc".into(),
        Backspace => "Bksp".into(),
        Up => "↑".into(),
        Down => "↓".into(),
        Left => "←".into(),
        Right => "→".into(),
        PageUp => "PgUp".into(),
        PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if b.mods.contains(KeyModifiers::CONTROL) {
        format!("C-{base}")
    } else {
        base
    }
}

/// Footer hints for the active contexts: `(key, label)`.
pub fn hints(state: &UiState) -> Vec<(String, &'static str)> {
    let replay = matches!(
        state.shown().mode,
        crate::snapshot::Mode::Replay { .. } | crate::snapshot::Mode::Demo
    );
    let mut out = Vec::new();
    for ctx in contexts(state) {
        if *ctx == Replay && !replay {
            continue;
        }
        for b in KEYMAP.iter().filter(|b| b.context == *ctx) {
            if let Some(h) = b.hint {
                out.push((key_label(b), h));
            }
        }
    }
    out
}
