//! Per-file follow logic: appearance, rotation, truncation, removal, reading.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Closed, RECENT_MAX, Res, Start, State, file_id};
use crate::source::read::pump;
use crate::source::{ChunkReader, NoticeKind, SourceMsg};

impl State {
    /// Bring one tracked path up to date: rotation, truncation, removal, appearance, then
    /// read what is new. `initial` is set on the first pass.
    pub(super) fn check(&mut self, i: usize, initial: Option<Start>) -> Res {
        let id = self.tracked[i].id;
        let name = self.tracked[i].path.display().to_string();
        if self.tracked[i].ignored {
            return Ok(());
        }
        let meta = fs::metadata(&self.tracked[i].path)
            .ok()
            .filter(|m| m.is_file());
        let Some(meta) = meta else {
            let t = &mut self.tracked[i];
            if t.ident.is_some() {
                // Between logrotate's rename and create the name is missing for a moment:
                // keep reading the old file for one poll interval before calling it removed.
                let since = *t.missing_since.get_or_insert_with(Instant::now);
                if t.reader.is_some() && since.elapsed() < self.opts.poll {
                    return self.drain(i);
                }
                t.missing_since = None;
                self.close(i)?;
                self.tracked[i].ident = None;
                if self.tracked[i].live {
                    self.notice(id, NoticeKind::Removed, format!("{name}: removed"))?;
                    self.tracked[i].live = false;
                    self.send(SourceMsg::Eof { source: id })?;
                }
            }
            self.tracked[i].gz_seen = None;
            return Ok(());
        };
        self.tracked[i].missing_since = None;
        let ident = file_id(&meta);
        if let Some((pos, line)) = self.tracked[i].parked {
            if self.tracked[i].ident == Some(ident) {
                if meta.len() == pos {
                    return Ok(());
                }
                // Changed: reopen where we were (a shrink is then seen as truncation below).
                self.unpark(i, pos, line);
            }
        }
        let mut rotated = false;
        if let Some(old) = self.tracked[i].ident {
            if old != ident {
                self.close(i)?;
                self.tracked[i].ident = None;
                self.tracked[i].gz_seen = None;
                rotated = self.tracked[i].live;
                if rotated {
                    self.notice(
                        id,
                        NoticeKind::Rotated,
                        format!("{name}: rotated, reading the new file"),
                    )?;
                }
            }
        }
        if self.tracked[i].ident.is_none() || self.tracked[i].gz_seen.is_some() {
            let start = initial.unwrap_or(Start::Beginning);
            let announce = initial.is_none() && !rotated;
            if !self.open(i, &meta, start, announce, initial.is_none())? {
                return Ok(());
            }
        }
        let t = &mut self.tracked[i];
        if let Some(r) = t.reader.as_ref() {
            if meta.len() < r.position() {
                let chunk = self.opts.chunk_size;
                let file = File::open(&t.path).ok();
                t.reader =
                    file.map(|f| follow_reader(name.clone(), f, 0, false).with_chunk_size(chunk));
                self.notice(
                    id,
                    NoticeKind::Truncated,
                    format!("{name}: truncated, reading from the start"),
                )?;
            }
        }
        self.drain(i)
    }

    /// Open a newly seen file. Returns true when it is open for following; false when it
    /// was read whole (gzip), is ignored, or must wait (unreadable, or a gzip file that is
    /// empty or, with `settle`, still growing).
    fn open(
        &mut self,
        i: usize,
        meta: &fs::Metadata,
        start: Start,
        announce: bool,
        settle: bool,
    ) -> Result<bool, Closed> {
        let ident = file_id(meta);
        let resume = self.recent.iter().rev().find(|r| r.0 == ident).map(|r| r.1);
        if resume.is_none()
            && self.tracked.iter().enumerate().any(|(k, t)| {
                k != i && t.ident == Some(ident) && (t.reader.is_some() || t.parked.is_some())
            })
        {
            // Still being read under its old name (renamed, and the new file not created
            // yet): wait until that reader closes and says where it stopped.
            return Ok(false);
        }
        if announce && resume.is_none() && self.is_rotated_copy(i) {
            let t = &mut self.tracked[i];
            t.ignored = true;
            t.ident = Some(ident);
            return Ok(false);
        }
        let t = &mut self.tracked[i];
        let id = t.id;
        let name = t.path.display().to_string();
        let mut file = match File::open(&t.path) {
            Ok(f) => f,
            Err(e) => {
                // Try again on the next pass (permissions may be fixed); say so once.
                if !t.open_failed {
                    t.open_failed = true;
                    let text = super::super::chunk::name_err(&name, e).to_string();
                    self.notice(id, NoticeKind::Error, text)?;
                }
                return Ok(false);
            }
        };
        t.open_failed = false;
        let mut head = [0u8; 2];
        let got = file.read(&mut head).unwrap_or(0);
        let gz_ext = t
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        let gzip = (got == 2 && head == [0x1f, 0x8b]) || (got < 2 && gz_ext);
        let appeared = announce && !t.live && resume.is_none();
        if gzip {
            if start == Start::AtEnd || resume.is_some() {
                // Already complete when we started: it is the "end" we follow from.
                t.ident = Some(file_id(meta));
                t.gz_seen = None;
                return Ok(false);
            }
            // A gzip file that appears may still be downloading: wait until its size has
            // settled for a moment. (Ones present at start are taken as they are.)
            let wait = self.opts.poll.min(Duration::from_millis(500));
            match t.gz_seen {
                _ if !settle && meta.len() > 0 => {}
                Some((size, since))
                    if size == meta.len() && size > 0 && since.elapsed() >= wait => {}
                Some((size, _)) if size == meta.len() => return Ok(false),
                _ => {
                    t.gz_seen = Some((meta.len(), Instant::now()));
                    t.ident = Some(file_id(meta));
                    return Ok(false);
                }
            }
            t.gz_seen = None;
            t.ident = Some(file_id(meta));
            let _ = file.seek(SeekFrom::Start(0));
            if !t.live {
                t.live = true;
                self.send(SourceMsg::Opened {
                    source: id,
                    name: name.clone(),
                })?;
            }
            if appeared {
                self.notice(id, NoticeKind::Appeared, format!("{name}: appeared"))?;
            }
            let r = ChunkReader::from_reader(name, file)
                .map(|r| r.with_chunk_size(self.opts.chunk_size));
            match r {
                Ok(r) => pump(id, r, &self.tx, &self.opts.pool).map_err(|_| Closed)?,
                Err(e) => self.notice(id, NoticeKind::Error, e.to_string())?,
            }
            self.tracked[i].live = false;
            self.send(SourceMsg::Eof { source: id })?;
            return Ok(false);
        }
        let (pos, skip) = if let Some(pos) = resume.filter(|&p| p <= meta.len()) {
            // A file we followed under another name: continue where we were.
            let _ = file.seek(SeekFrom::Start(pos));
            (pos, false)
        } else if start == Start::AtEnd && meta.len() > 0 {
            // Start after the last complete line; a partial one is the writer's, mid-write.
            let end = meta.len();
            let mut last = [0u8; 1];
            let ok =
                file.seek(SeekFrom::Start(end - 1)).is_ok() && file.read_exact(&mut last).is_ok();
            (end, ok && last[0] != b'\n')
        } else {
            let _ = file.seek(SeekFrom::Start(0));
            (0, false)
        };
        t.ident = Some(file_id(meta));
        t.reader = Some(
            follow_reader(name.clone(), file, pos, skip).with_chunk_size(self.opts.chunk_size),
        );
        if !t.live {
            t.live = true;
            self.send(SourceMsg::Opened {
                source: id,
                name: name.clone(),
            })?;
        }
        if appeared {
            self.notice(id, NoticeKind::Appeared, format!("{name}: appeared"))?;
        }
        self.make_room(i);
        Ok(true)
    }

    /// Is tracked path `i` a rotated copy of another tracked file in the same directory:
    /// its name plus `.N`, `-N` (digits, dashes), optionally then `.gz`, or just `.gz`?
    fn is_rotated_copy(&self, i: usize) -> bool {
        let path = &self.tracked[i].path;
        let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        else {
            return false;
        };
        self.tracked.iter().enumerate().any(|(k, t)| {
            k != i
                && !t.ignored
                && t.path.parent() == Some(dir)
                && t.path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|base| is_rotation_suffix(name, base))
        })
    }

    fn remember(&mut self, ident: super::FileId, pos: u64) {
        if self.recent.len() == RECENT_MAX {
            self.recent.pop_front();
        }
        self.recent.push_back((ident, pos));
    }

    /// Reopen a parked file at its position, parking another if that exceeds the cap.
    fn unpark(&mut self, i: usize, pos: u64, line: u64) {
        let t = &mut self.tracked[i];
        let name = t.path.display().to_string();
        let Ok(mut f) = File::open(&t.path) else {
            return;
        };
        if f.seek(SeekFrom::Start(pos)).is_err() {
            return;
        }
        let mut r = follow_reader(name, f, pos, false).with_chunk_size(self.opts.chunk_size);
        r.set_next_line(line);
        t.reader = Some(r);
        t.parked = None;
        t.active = Instant::now();
        self.make_room(i);
    }

    /// Keep at most `max_open` files open: park the idlest others (only ones with no partial
    /// line pending, so that nothing read is lost).
    pub(super) fn make_room(&mut self, keep: usize) {
        let open = self.tracked.iter().filter(|t| t.reader.is_some()).count();
        let excess = open.saturating_sub(self.opts.max_open.max(1));
        if excess == 0 {
            return;
        }
        let mut idle: Vec<usize> = (0..self.tracked.len())
            .filter(|&k| {
                k != keep
                    && self.tracked[k]
                        .reader
                        .as_ref()
                        .is_some_and(|r| !r.has_partial())
            })
            .collect();
        idle.sort_by_key(|&k| self.tracked[k].active);
        for k in idle.into_iter().take(excess) {
            let t = &mut self.tracked[k];
            if let Some(r) = t.reader.take() {
                t.parked = Some((r.position(), r.next_line()));
            }
        }
    }

    /// Read everything available from the open reader.
    fn drain(&mut self, i: usize) -> Res {
        let t = &mut self.tracked[i];
        let id = t.id;
        let Some(r) = t.reader.as_mut() else {
            return Ok(());
        };
        let pool = &self.opts.pool;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Err(Closed);
            }
            match r.next_chunk(&mut self.buf) {
                Ok(Some(info)) => {
                    t.active = Instant::now();
                    let data = std::mem::replace(&mut self.buf, pool.take());
                    self.tx
                        .send(SourceMsg::Chunk {
                            source: id,
                            first_line: info.first_line,
                            data,
                        })
                        .map_err(|_| Closed)?;
                }
                Ok(None) => return Ok(()),
                Err(e) => {
                    let text = e.to_string();
                    t.reader = None;
                    return self.notice(id, NoticeKind::Error, text);
                }
            }
        }
    }

    /// Finish the current file: read it to its end, deliver its partial last line, close it.
    fn close(&mut self, i: usize) -> Res {
        if let (Some((pos, _)), Some(ident)) =
            (self.tracked[i].parked.take(), self.tracked[i].ident)
        {
            self.remember(ident, pos);
        }
        if self.tracked[i].reader.is_none() {
            return Ok(());
        }
        self.drain(i)?;
        let id = self.tracked[i].id;
        if let (Some(r), Some(ident)) = (&self.tracked[i].reader, self.tracked[i].ident) {
            let pos = r.position();
            self.remember(ident, pos);
        }
        if let Some(mut r) = self.tracked[i].reader.take() {
            if let Some(info) = r.flush_tail(&mut self.buf) {
                let data = std::mem::replace(&mut self.buf, self.opts.pool.take());
                self.send(SourceMsg::Chunk {
                    source: id,
                    first_line: info.first_line,
                    data,
                })?;
            }
        }
        Ok(())
    }
}

fn follow_reader(name: String, file: File, pos: u64, skip: bool) -> ChunkReader {
    let mut r = ChunkReader::with_source(name, Box::new(file), false, pos);
    r.set_follow();
    if skip {
        r.skip_partial_line();
    }
    r
}

/// `name` is `base` plus a rotation suffix: `.1`, `-20240102`, `.2.gz`, `.gz`.
fn is_rotation_suffix(name: &str, base: &str) -> bool {
    let Some(rest) = name.strip_prefix(base) else {
        return false;
    };
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    if rest.is_empty() {
        return name.len() > base.len();
    }
    let mut chars = rest.chars();
    matches!(chars.next(), Some('.' | '-'))
        && rest[1..].bytes().any(|b| b.is_ascii_digit())
        && rest[1..].bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn rotation_suffixes() {
        use super::is_rotation_suffix as r;
        assert!(r("app.log.1", "app.log"));
        assert!(r("app.log.2.gz", "app.log"));
        assert!(r("app.log-20240102", "app.log"));
        assert!(r("app.log.gz", "app.log"));
        assert!(!r("app.log", "app.log"));
        assert!(!r("app.log.old", "app.log"));
        assert!(!r("app.logx.1", "app.log"));
        assert!(!r("other.log.1", "app.log"));
    }
}
