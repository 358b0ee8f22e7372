//! `run` driven by a scripted key stream and a watch channel, against a TestBackend.

use super::*;

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
            (400, None), // well after the snapshot below (60 ms), even on a loaded machine
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
        crate::tui::run(&mut term, snap_rx, ctl_tx, Theme::default(), script),
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
        crate::tui::run(&mut term, snap_rx, ctl_tx, Theme::default(), script),
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
