//! Follow and read_all, on real files in a temp dir. Every wait is bounded (recv_timeout).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

use super::{
    FollowOptions, Follower, Input, NoticeKind, ReadOptions, SourceMsg, expand_follow,
    read_all_with,
};

const LIMIT: Duration = Duration::from_secs(5);

fn opts(from_start: bool) -> FollowOptions {
    FollowOptions {
        from_start,
        poll: Duration::from_millis(100),
        ..Default::default()
    }
}

fn append(p: &Path, s: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .unwrap();
    f.write_all(s.as_bytes()).unwrap();
}

/// What the consumer saw, flattened: data per line as "src:line:text", notices, eofs.
#[derive(Default, Debug)]
struct Seen {
    lines: Vec<(u32, u64, String)>,
    notices: Vec<(u32, NoticeKind, String)>,
    opened: Vec<(u32, String)>,
    eofs: Vec<u32>,
}

impl Seen {
    fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.2.as_str()).collect()
    }
}

/// Receive until `done(seen)` holds; panics after LIMIT with what was seen.
fn collect_until(rx: &Receiver<SourceMsg>, seen: &mut Seen, done: impl Fn(&Seen) -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !done(seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(m) = rx.recv_timeout(left) else {
            panic!("timed out; seen so far: {seen:?}");
        };
        match m {
            SourceMsg::Opened { source, name } => seen.opened.push((source, name)),
            SourceMsg::Chunk {
                source,
                first_line,
                data,
            } => {
                assert!(data.ends_with(b"\n"), "whole lines only");
                let text = String::from_utf8(data).unwrap();
                for (k, l) in text.lines().enumerate() {
                    seen.lines
                        .push((source, first_line + k as u64, l.to_string()));
                }
            }
            SourceMsg::Notice { source, kind, text } => seen.notices.push((source, kind, text)),
            SourceMsg::Eof { source } => seen.eofs.push(source),
        }
    }
}

fn spawn(args: &[String], o: FollowOptions) -> (Follower, Receiver<SourceMsg>) {
    let (_, pats) = expand_follow(args).unwrap();
    let (tx, rx) = sync_channel(4);
    (Follower::spawn(pats, o, tx), rx)
}

/// Wait (bounded) for the follower's first pass, when the test has nothing to receive yet.
fn wait_ready(f: &Follower) {
    let deadline = Instant::now() + LIMIT;
    while !f.is_ready() {
        assert!(Instant::now() < deadline, "follower never ready");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn arg(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn follow_from_end_sees_appended_lines() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    append(&p, "old 1\nold 2\nhalf-writ");
    let (f, rx) = spawn(&[arg(&p)], opts(false));
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.opened.is_empty());
    append(&p, "ten\nnew 1\nnew 2\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 2);
    assert_eq!(
        seen.texts(),
        vec!["new 1", "new 2"],
        "old lines and the partial one skipped"
    );
    assert_eq!(seen.lines[0].1, 1);
    append(&p, "new 3\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    assert_eq!(seen.lines[2], (0, 3, "new 3".to_string()));
    f.stop();
}

#[test]
fn poll_fallback_without_events() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    let o = FollowOptions {
        events: false,
        ..opts(false)
    };
    let (f, rx) = spawn(&[arg(&p)], o);
    wait_ready(&f);
    append(&p, "one\n");
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.lines.is_empty());
    assert_eq!(seen.texts(), vec!["one"]);
    assert!(
        seen.notices.iter().any(|n| n.1 == NoticeKind::Appeared),
        "named file appeared"
    );
    fs::rename(&p, d.path().join("app.log.1")).unwrap();
    append(&p, "two\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 2);
    assert_eq!(seen.texts(), vec!["one", "two"]);
    f.stop();
}

#[test]
fn rotation_by_rename_reads_old_tail_then_new_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    append(&p, "a1\n");
    let (f, rx) = spawn(&[arg(&p)], opts(true));
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.lines.is_empty());
    // The writer adds to the old file, then logrotate renames it and creates a new one.
    append(&p, "a2\na3 no newline");
    fs::rename(&p, d.path().join("app.log.1")).unwrap();
    append(&p, "b1\nb2\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 5);
    assert_eq!(seen.texts(), vec!["a1", "a2", "a3 no newline", "b1", "b2"]);
    assert_eq!(seen.lines[3].1, 1, "new file counts from 1");
    assert!(
        seen.notices.iter().any(|n| n.1 == NoticeKind::Rotated),
        "{:?}",
        seen.notices
    );
    assert!(seen.lines.iter().all(|l| l.0 == 0), "same source id");
    f.stop();
}

#[test]
fn copytruncate_rereads_from_start() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    append(&p, "x1 a long first line\nx2 another long line\n");
    let (f, rx) = spawn(&[arg(&p)], opts(true));
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 2);
    // Refilled with less than was there, so the shrink shows whenever the follower looks.
    OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&p)
        .unwrap();
    append(&p, "y1\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    assert_eq!(seen.lines[2], (0, 1, "y1".to_string()));
    assert!(
        seen.notices.iter().any(|n| n.1 == NoticeKind::Truncated),
        "{:?}",
        seen.notices
    );
    f.stop();
}

#[test]
fn glob_picks_up_files_that_appear_later_and_removal() {
    let d = tempfile::tempdir().unwrap();
    let pat = arg(&d.path().join("*.log"));
    let (f, rx) = spawn(&[pat], opts(false));
    let mut seen = Seen::default();
    // Nothing to read yet; make sure the follower is running before the file appears.
    wait_ready(&f);
    let p = d.path().join("new.log");
    append(&p, "first\nsecond\n");
    fs::write(d.path().join("ignored.txt"), "nope\n").unwrap();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 2);
    assert_eq!(seen.texts(), vec!["first", "second"]);
    assert_eq!(seen.opened, vec![(0, arg(&p))]);
    assert!(
        seen.notices
            .iter()
            .any(|n| n.1 == NoticeKind::Appeared && n.2.contains("new.log"))
    );
    fs::remove_file(&p).unwrap();
    collect_until(&rx, &mut seen, |s| s.eofs == vec![0]);
    assert!(seen.notices.iter().any(|n| n.1 == NoticeKind::Removed));
    f.stop();
}

#[test]
fn follow_gzip_that_appears_is_read_whole() {
    use flate2::{Compression, write::GzEncoder};
    let d = tempfile::tempdir().unwrap();
    let (f, rx) = spawn(&[arg(d.path())], opts(false));
    wait_ready(&f);
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(b"g1\ng2\n").unwrap();
    // Written under a temporary hidden name and renamed, as downloaders do.
    let tmp = d.path().join(".part");
    fs::write(&tmp, e.finish().unwrap()).unwrap();
    fs::rename(&tmp, d.path().join("x.log.gz")).unwrap();
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.eofs.is_empty());
    assert_eq!(seen.texts(), vec!["g1", "g2"]);
    f.stop();
}

#[test]
fn read_all_reads_every_input_with_bounded_concurrency() {
    let d = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for i in 0..7 {
        let p = d.path().join(format!("{i}.log"));
        let body: String = (0..1000).map(|k| format!("f{i} l{k}\n")).collect();
        fs::write(&p, body).unwrap();
        inputs.push(Input::File(p));
    }
    inputs.push(Input::File(d.path().join("gone.log")));
    let (tx, rx) = sync_channel(2);
    let o = ReadOptions {
        max_open: 3,
        chunk_size: 1000,
        ..Default::default()
    };
    let pool = o.pool.clone();
    let h = read_all_with(inputs, tx, o);
    let mut seen = Seen::default();
    let deadline = Instant::now() + LIMIT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(SourceMsg::Chunk {
                source,
                first_line,
                data,
            }) => {
                for (k, l) in String::from_utf8_lossy(&data).lines().enumerate() {
                    seen.lines
                        .push((source, first_line + k as u64, l.to_string()));
                }
                pool.put(data);
            }
            Ok(SourceMsg::Eof { source }) => seen.eofs.push(source),
            Ok(SourceMsg::Notice { source, kind, text }) => seen.notices.push((source, kind, text)),
            Ok(SourceMsg::Opened { source, name }) => seen.opened.push((source, name)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(e) => panic!("{e:?}: {seen:?}"),
        }
    }
    h.join().unwrap();
    seen.eofs.sort();
    assert_eq!(seen.eofs, (0..8).collect::<Vec<_>>());
    assert_eq!(seen.opened.len(), 8);
    for i in 0..7u32 {
        let mine: Vec<_> = seen.lines.iter().filter(|l| l.0 == i).collect();
        assert_eq!(mine.len(), 1000);
        for (k, l) in mine.iter().enumerate() {
            assert_eq!(l.1, k as u64 + 1);
            assert_eq!(l.2, format!("f{i} l{k}"));
        }
    }
    assert_eq!(seen.notices.len(), 1);
    assert_eq!(seen.notices[0].0, 7);
    assert_eq!(seen.notices[0].1, NoticeKind::Error);
    assert!(
        seen.notices[0]
            .2
            .ends_with("gone.log: no such file or directory")
    );
}

#[test]
fn rotated_copies_matching_the_glob_are_not_read_twice() {
    use flate2::{Compression, write::GzEncoder};
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    append(&p, "a1\n");
    let (f, rx) = spawn(&[arg(&d.path().join("app.log*"))], opts(true));
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.lines.is_empty());
    append(&p, "a2\n");
    let old = d.path().join("app.log.1");
    fs::rename(&p, &old).unwrap();
    append(&p, "b1\n");
    // A compressed older rotation appears too (logrotate's compress step).
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(b"z0\n").unwrap();
    fs::write(d.path().join("app.log.2.gz"), e.finish().unwrap()).unwrap();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    // The writer had not reopened yet: a late line lands in the renamed file.
    append(&old, "a3 late\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 4);
    // Give a duplicate read the chance to show up before checking there is none.
    while let Ok(m) = rx.recv_timeout(Duration::from_millis(700)) {
        if let SourceMsg::Chunk { data, .. } = m {
            panic!("unexpected data {:?}", String::from_utf8_lossy(&data));
        }
    }
    assert_eq!(seen.texts(), vec!["a1", "a2", "b1", "a3 late"]);
    let late = &seen.lines[3];
    assert_ne!(late.0, 0, "the renamed file is its own source");
    assert_eq!(late.1, 1, "counted from where reading resumed");
    f.stop();
}

/// `app.log` holding "a1", followed (by its name, or by `app.log*`) with a 2 s poll, and
/// "a1" read: for tests of what happens between a rename and the next poll.
fn following_app_log(
    pattern: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Follower,
    Receiver<SourceMsg>,
    Seen,
) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    append(&p, "a1\n");
    let o = FollowOptions {
        poll: Duration::from_secs(2),
        ..opts(true)
    };
    let (f, rx) = spawn(&[arg(&d.path().join(pattern))], o);
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.lines.is_empty());
    (d, p, f, rx, seen)
}

#[test]
fn rename_then_create_later_is_still_a_rotation() {
    let (d, p, f, rx, mut seen) = following_app_log("app.log");
    fs::rename(&p, d.path().join("app.log.1")).unwrap();
    // The name stays missing for a moment (well under the poll interval).
    std::thread::sleep(Duration::from_millis(200));
    append(&d.path().join("app.log.1"), "a2\n");
    append(&p, "b1\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    assert_eq!(seen.texts(), vec!["a1", "a2", "b1"]);
    let kinds: Vec<_> = seen.notices.iter().map(|n| n.1).collect();
    assert_eq!(kinds, vec![NoticeKind::Rotated]);
    assert!(seen.eofs.is_empty());
    f.stop();
}

/// The same gap under a glob that also matches the rotated name: the rescan finds
/// `app.log.1` while `app.log` is still being read under its old name. It must not be
/// written off as an already-read rotated copy: a line the writer adds to it late is read.
#[test]
fn renamed_file_found_by_the_glob_before_the_new_one_exists_is_not_lost() {
    let (d, p, f, rx, mut seen) = following_app_log("app.log*");
    let old = d.path().join("app.log.1");
    fs::rename(&p, &old).unwrap();
    // The rename wakes a rescan, which finds app.log.1 while app.log is missing.
    std::thread::sleep(Duration::from_millis(300));
    append(&p, "b1\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 2);
    append(&old, "a2 late\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    assert_eq!(seen.texts(), vec!["a1", "b1", "a2 late"]);
    f.stop();
}

#[test]
fn backfill_reads_plain_and_gzip_present_at_start() {
    use flate2::{Compression, write::GzEncoder};
    let d = tempfile::tempdir().unwrap();
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(b"g1\ng2\n").unwrap();
    fs::write(d.path().join("a.log.gz"), e.finish().unwrap()).unwrap();
    append(&d.path().join("b.log"), "p1\n");
    let (f, rx) = spawn(&[arg(d.path())], opts(true));
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 3);
    assert_eq!(seen.texts(), vec!["g1", "g2", "p1"]);
    assert_eq!(seen.eofs, vec![0], "the gzip file is complete");
    assert!(seen.notices.is_empty(), "{:?}", seen.notices);
    append(&d.path().join("b.log"), "p2\n");
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 4);
    assert_eq!(seen.lines[3], (1, 2, "p2".to_string()));
    f.stop();
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_as_a_stream() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&p)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    let (f, rx) = spawn(&[arg(&p)], opts(false));
    let w = p.clone();
    // Opening a FIFO for writing blocks until the reader opens it: on a thread.
    std::thread::spawn(move || {
        let mut f = OpenOptions::new().write(true).open(w).unwrap();
        f.write_all(b"s1\ns2\n").unwrap();
    });
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.eofs.is_empty());
    assert_eq!(seen.opened, vec![(0, arg(&p))]);
    assert_eq!(seen.texts(), vec!["s1", "s2"]);
    f.stop();
}

#[test]
fn read_all_reports_a_truncated_gzip_after_its_lines() {
    use flate2::{Compression, write::GzEncoder};
    let d = tempfile::tempdir().unwrap();
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    for i in 0..20_000 {
        writeln!(e, "line {i}").unwrap();
    }
    let full = e.finish().unwrap();
    let p = d.path().join("cut.log.gz");
    fs::write(&p, &full[..full.len() * 2 / 3]).unwrap();
    let (tx, rx) = sync_channel(8);
    let h = super::read_all(vec![Input::File(p.clone())], tx);
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| !s.eofs.is_empty());
    h.join().unwrap();
    let n = seen.lines.len();
    assert!(n > 1000, "{n}");
    assert_eq!(seen.lines[n - 1].2, format!("line {}", n - 1));
    assert_eq!(
        seen.notices,
        vec![(
            0,
            NoticeKind::Error,
            format!("{}: truncated gzip after {n} lines", p.display())
        )]
    );
}

#[test]
fn busy_writer_loses_nothing_through_a_small_channel() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("busy.log");
    append(&p, "");
    let o = FollowOptions {
        chunk_size: 512,
        ..opts(false)
    };
    let (f, rx) = spawn(&[arg(&p)], o);
    wait_ready(&f);
    let w = p.clone();
    let writer = std::thread::spawn(move || {
        let mut file = OpenOptions::new().append(true).open(w).unwrap();
        for burst in 0..50 {
            let s: String = (0..200)
                .map(|k| format!("req {}\n", burst * 200 + k))
                .collect();
            // Split a line across writes to exercise the carried partial line.
            let (a, b) = s.split_at(s.len() / 2 + 3);
            file.write_all(a.as_bytes()).unwrap();
            file.write_all(b.as_bytes()).unwrap();
        }
    });
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 10_000);
    writer.join().unwrap();
    for (k, l) in seen.lines.iter().enumerate() {
        assert_eq!(
            (l.1, l.2.as_str()),
            (k as u64 + 1, format!("req {k}").as_str())
        );
    }
    f.stop();
}

#[test]
fn more_files_than_max_open_are_parked_and_reopened() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..6 {
        append(&d.path().join(format!("{i}.log")), &format!("f{i} l1\n"));
    }
    let o = FollowOptions {
        max_open: 2,
        ..opts(true)
    };
    let (f, rx) = spawn(&[arg(d.path())], o);
    let mut seen = Seen::default();
    collect_until(&rx, &mut seen, |s| s.lines.len() >= 6);
    for round in 2..4 {
        for i in 0..6 {
            append(
                &d.path().join(format!("{i}.log")),
                &format!("f{i} l{round}\n"),
            );
        }
        collect_until(&rx, &mut seen, |s| s.lines.len() >= 6 * round);
    }
    for i in 0..6u32 {
        let mine: Vec<_> = seen
            .lines
            .iter()
            .filter(|l| l.0 == i)
            .map(|l| (l.1, l.2.clone()))
            .collect();
        let want: Vec<_> = (1..4).map(|n| (n as u64, format!("f{i} l{n}"))).collect();
        assert_eq!(mine, want);
    }
    assert!(seen.notices.is_empty(), "{:?}", seen.notices);
    f.stop();
}
