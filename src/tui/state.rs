//! `UiState`: everything the UI remembers between frames. The engine's state is never here;
//! only the snapshot being shown (`latest`, or `frozen` while paused).

use crate::snapshot::{Snapshot, ViewSpec};
use ratatui::widgets::TableState;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Overview,
    /// Drill-down on one client (its IP as logged).
    Drill(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The `/` prompt and what has been typed so far.
    Filter(String),
    /// A ready-to-paste block rule for the drilled client.
    BlockRule {
        kind: BlockKind,
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Nginx,
    AwsWaf,
    Fail2ban,
}

impl BlockKind {
    pub fn next(self) -> BlockKind {
        match self {
            BlockKind::Nginx => BlockKind::AwsWaf,
            BlockKind::AwsWaf => BlockKind::Fail2ban,
            BlockKind::Fail2ban => BlockKind::Nginx,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockKind::Nginx => "nginx",
            BlockKind::AwsWaf => "AWS WAF IP set",
            BlockKind::Fail2ban => "fail2ban",
        }
    }
}

/// Overview panels, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Clients,
    Anomalies,
    Security,
    Targets,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Clients,
        Panel::Anomalies,
        Panel::Security,
        Panel::Targets,
    ];

    pub fn index(self) -> usize {
        Panel::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

#[derive(Debug)]
pub struct UiState {
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub focus: Panel,
    /// One selection per overview panel, indexed by `Panel::index`.
    pub tables: [TableState; 4],
    /// Scroll position in the drill-down's latest requests.
    pub drill_table: TableState,
    pub paused: bool,
    /// The snapshot held on screen while paused.
    pub frozen: Option<Arc<Snapshot>>,
    /// The newest snapshot received.
    pub latest: Arc<Snapshot>,
    /// Paused, but the view changed: freeze the next snapshot built for the new view.
    pub refreeze: bool,
    pub view: ViewSpec,
    /// Replay speed the UI last asked for.
    pub speed: Option<f64>,
    /// Width the sparklines had at the last draw; the loop turns a change into `ViewSpec.points`.
    pub spark_width: u16,
    /// One-line outcome of the last key (block list written), shown in the footer.
    pub status: Option<String>,
}

impl Default for UiState {
    fn default() -> Self {
        UiState::new(Arc::new(Snapshot::default()))
    }
}

impl UiState {
    pub fn new(latest: Arc<Snapshot>) -> Self {
        let mut tables: [TableState; 4] = Default::default();
        for t in &mut tables {
            t.select(Some(0));
        }
        UiState {
            screen: Screen::Overview,
            overlay: None,
            focus: Panel::Clients,
            tables,
            drill_table: TableState::default(),
            paused: false,
            frozen: None,
            latest,
            refreeze: false,
            view: ViewSpec::default(),
            speed: None,
            spark_width: 0,
            status: None,
        }
    }

    /// The snapshot to draw and to resolve selections against.
    pub fn shown(&self) -> &Arc<Snapshot> {
        self.frozen.as_ref().unwrap_or(&self.latest)
    }

    pub fn table(&mut self, p: Panel) -> &mut TableState {
        &mut self.tables[p.index()]
    }

    pub fn selected(&self, p: Panel) -> usize {
        self.tables[p.index()].selected().unwrap_or(0)
    }

    /// Rows the panel has in the shown snapshot.
    pub fn rows(&self, p: Panel) -> usize {
        let s = self.shown();
        match p {
            Panel::Clients => s.clients.len(),
            Panel::Anomalies => s.anomalies.len(),
            Panel::Security => s.security.len(),
            Panel::Targets => s.targets.len(),
        }
    }

    /// The client IP under the cursor of the focused panel, if that panel lists clients.
    pub fn selected_client(&self) -> Option<String> {
        let s = self.shown();
        let i = self.selected(self.focus);
        match self.focus {
            Panel::Clients => s.clients.get(i).map(|c| c.client.clone()),
            Panel::Security => s.security.get(i).map(|e| e.client_ip.clone()),
            // Anomalies and targets are not about one client.
            Panel::Anomalies | Panel::Targets => None,
        }
    }

    /// Takes a newly published snapshot. Returns whether the screen must be redrawn.
    pub fn receive(&mut self, snap: Arc<Snapshot>) -> bool {
        self.latest = snap;
        if self.paused {
            // Only a snapshot for the drilled client (if any) answers the view change.
            let answers = match &self.view.drill {
                Some(ip) => self.latest.detail.as_ref().is_some_and(|d| &d.client == ip),
                None => true,
            };
            if !(self.refreeze && answers) {
                return false;
            }
            self.refreeze = false;
            self.frozen = Some(self.latest.clone());
        }
        self.clamp_selections();
        true
    }

    /// Keeps every selection inside its list after a new snapshot shrank it.
    pub fn clamp_selections(&mut self) {
        for p in Panel::ALL {
            let n = self.rows(p);
            let t = self.table(p);
            let sel = t.selected().unwrap_or(0).min(n.saturating_sub(1));
            t.select(Some(sel));
        }
    }
}
