//! The UI event loop. Keys come first (a flood of snapshots cannot starve them), a new
//! snapshot only marks the screen dirty, and drawing happens at most every `FRAME`, only
//! when something changed. Controls go out with `try_send` so the UI never waits on the
//! engine; what doesn't fit is retried (older `SetView`s coalesced).

use super::action::{Control, update};
use super::keymap::dispatch;
use super::state::UiState;
use super::theme::Theme;
use crate::snapshot::Snapshot;
use crossterm::event::Event;
use futures_core::Stream;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::collections::VecDeque;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep, sleep_until};

/// Minimum time between two frames (~20 fps).
pub const FRAME: Duration = Duration::from_millis(50);
const RETRY: Duration = Duration::from_millis(50);

fn queue(pending: &mut VecDeque<Control>, c: Control) {
    if matches!(c, Control::SetView(_)) {
        pending.retain(|p| !matches!(p, Control::SetView(_)));
    }
    pending.push_back(c);
}

fn flush(pending: &mut VecDeque<Control>, tx: &mpsc::Sender<Control>) {
    while let Some(c) = pending.pop_front() {
        match tx.try_send(c) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(c)) => {
                pending.push_front(c);
                return;
            }
            // Nobody listens any more: nothing to retry.
            Err(mpsc::error::TrySendError::Closed(_)) => {
                pending.clear();
                return;
            }
        }
    }
}

/// Runs the UI until `q`/Ctrl-C (or the key stream ends). Returns the lines the user asked
/// to print (block rules), for the runtime to print after the terminal is restored.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    mut snapshots: watch::Receiver<Arc<Snapshot>>,
    control: mpsc::Sender<Control>,
    theme: Theme,
    events: impl Stream<Item = io::Result<Event>>,
) -> anyhow::Result<Vec<String>>
where
    B::Error: Send + Sync + 'static,
{
    let mut events = pin!(events);
    let mut state = UiState::new(snapshots.borrow_and_update().clone());
    let mut printed = Vec::new();
    let mut pending: VecDeque<Control> = VecDeque::new();
    let mut dirty = true;
    let mut snaps_open = true;
    let mut next_frame = Instant::now();
    loop {
        flush(&mut pending, &control);
        tokio::select! {
            biased;
            ev = std::future::poll_fn(|cx| events.as_mut().poll_next(cx)) => match ev {
                None => break,
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Event::Key(key))) => {
                    let Some(action) = dispatch(&state, key) else { continue };
                    dirty = true;
                    let mut quit = false;
                    for c in update(&mut state, action) {
                        match &c {
                            Control::Print(s) => printed.push(s.clone()),
                            Control::Quit => quit = true,
                            Control::ExportBlocklist => {
                                state.status = Some(export_blocklist(&state));
                                continue;
                            }
                            _ => {}
                        }
                        queue(&mut pending, c);
                    }
                    if quit {
                        break;
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
            },
            changed = snapshots.changed(), if snaps_open => match changed {
                Ok(()) => {
                    let snap = snapshots.borrow_and_update().clone();
                    dirty |= state.receive(snap);
                }
                Err(_) => snaps_open = false,
            },
            () = sleep_until(next_frame), if dirty => {
                let snap = state.shown().clone();
                terminal.draw(|f| super::draw(f, &snap, &mut state, &theme))?;
                dirty = false;
                next_frame = Instant::now() + FRAME;
                // Ask for as many sparkline points as the screen shows.
                let w = usize::from(state.spark_width);
                if w > 0 && w != state.view.points {
                    state.view.points = w;
                    queue(&mut pending, Control::SetView(state.view.clone()));
                }
            },
            () = sleep(RETRY), if !pending.is_empty() => {},
        }
    }
    // Deliver what is left (Quit last) without hanging on a stuck engine.
    while let Some(c) = pending.pop_front() {
        if tokio::time::timeout(Duration::from_millis(200), control.send(c))
            .await
            .map_or(true, |r| r.is_err())
        {
            break;
        }
    }
    Ok(printed)
}

/// The export key's I/O: the shown snapshot's flagged clients to `./lbtop-blocklist.conf`
/// (replaced atomically). Returns the status line.
fn export_blocklist(state: &UiState) -> String {
    use super::action::{EXPORT_FILE, EXPORT_FORMAT, flagged_clients};
    let list = flagged_clients(state.shown());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64 * 1_000_000);
    match list.write_file(EXPORT_FORMAT, now, std::path::Path::new(EXPORT_FILE)) {
        Ok(()) => format!(
            "{} flagged clients written to ./{EXPORT_FILE} ({} deny)",
            list.len(),
            EXPORT_FORMAT.name()
        ),
        Err(e) => format!("block list ./{EXPORT_FILE}: {e}"),
    }
}

/// Sets up the real terminal (`ratatui::try_init` installs a panic hook that restores it),
/// runs the UI on crossterm's `EventStream`, and restores the terminal however it ends.
pub async fn run_terminal(
    snapshots: watch::Receiver<Arc<Snapshot>>,
    control: mpsc::Sender<Control>,
    theme: Theme,
) -> anyhow::Result<Vec<String>> {
    let mut terminal = ratatui::try_init()?;
    let res = run(
        &mut terminal,
        snapshots,
        control,
        theme,
        crossterm::event::EventStream::new(),
    )
    .await;
    ratatui::restore();
    res
}
