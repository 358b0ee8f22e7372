//! The parse stage: a chunk of whole lines in, a [`Batch`] of stored requests out, with
//! security rules applied on the way (they are stateless, so they run here, off the engine
//! thread). Pure and synchronous: the threaded pipeline, the single-threaded path, tests and
//! benchmarks all call this.

use crate::batch::Batch;
use crate::detect::security::{Hit, RuleSet, Scratch};
use crate::keys::Keys;
use crate::parse::{Outcome, StreamParser};
use std::sync::Arc;

pub struct Ingest {
    rules: Option<Arc<RuleSet>>,
    scratch: Scratch,
    hits: Vec<Hit>,
    norm: String,
}

impl Ingest {
    pub fn new(rules: Arc<RuleSet>) -> Ingest {
        Ingest {
            rules: Some(rules),
            scratch: Scratch::default(),
            hits: Vec::new(),
            norm: String::new(),
        }
    }

    /// Parsing only, no security rules (to measure what they cost).
    pub fn without_rules() -> Ingest {
        Ingest {
            rules: None,
            scratch: Scratch::default(),
            hits: Vec::new(),
            norm: String::new(),
        }
    }

    /// Parse every line of `chunk` (whole lines; a last line without `\n` is fine) into
    /// `batch`, which takes ownership of the chunk. `first_line` is the 1-based number of the
    /// chunk's first line in its source.
    pub fn parse_chunk(
        &mut self,
        parser: &mut StreamParser,
        source: u32,
        first_line: u64,
        chunk: Vec<u8>,
        batch: &mut Batch,
    ) {
        // Validate the whole chunk once (lines are then plain slices); a chunk with invalid
        // bytes (a binary user agent) has them replaced, and every line is kept.
        let chunk = match String::from_utf8(chunk) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let mut start = 0;
        let mut line_no = first_line;
        let mut last_bad: Option<(usize, usize, &'static str)> = None;
        let len = chunk.len();
        while start < len {
            let end = memchr::memchr(b'\n', &chunk.as_bytes()[start..]).map_or(len, |i| start + i);
            let text = &chunk[start..end];
            batch.lines += 1;
            let (rules, scratch, hits, norm) = (
                &self.rules,
                &mut self.scratch,
                &mut self.hits,
                &mut self.norm,
            );
            parser.parse_line(text, &mut |o| match o {
                Outcome::Request(r) => {
                    hits.clear();
                    if let Some(rules) = rules {
                        rules.check_with(&r, scratch, hits);
                    }
                    let keys = Keys::compute(&r, norm);
                    let norm_path = r.path.is_some().then_some(norm.as_str());
                    batch.push(&chunk, &r, &keys, norm_path, source, line_no, hits);
                }
                Outcome::Skipped(_) => batch.skipped += 1,
                Outcome::Rejected(rj) => {
                    batch.reject(rj.0);
                    last_bad = Some((start, end, rj.0));
                }
            });
            line_no += 1;
            start = end + 1;
        }
        if let Some((s, e, reason)) = last_bad {
            batch.last_rejected = Some((crate::engine::line_head(&chunk.as_bytes()[s..e]), reason));
        }
        batch.chunk = chunk;
    }
}
