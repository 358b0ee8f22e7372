//! The parse stage: a chunk of whole lines in, a [`Batch`] of stored requests out, with
//! security rules applied on the way (they are stateless, so they run here, off the engine
//! thread). Pure and synchronous: the threaded pipeline, the single-threaded path, tests and
//! benchmarks all call this. Trusted-proxy resolution of the client (X-Forwarded-For) happens
//! here too, once, before rules and engine see the request.

pub mod proxy;

use crate::batch::Batch;
use crate::detect::client::classify::Classifier;
use crate::detect::security::{Hit, RuleSet, Scratch};
use crate::keys::Keys;
use crate::parse::{Outcome, StreamParser};
use crate::window::PathNormalizer;
use crate::window::paths::PathPatterns;
use proxy::ClientResolver;
use std::sync::Arc;

pub struct Ingest {
    rules: Option<Arc<RuleSet>>,
    proxies: ClientResolver,
    scratch: Scratch,
    hits: Vec<Hit>,
    /// Path normaliser (with the user's `--path-pattern`s) for the requests' keys.
    norm: PathNormalizer,
    cls: Classifier,
    /// Compute the behaviour detector's keys (off when that detector does not run).
    behaviour_keys: bool,
}

impl Ingest {
    pub fn new(rules: Arc<RuleSet>) -> Ingest {
        Ingest {
            rules: Some(rules),
            proxies: ClientResolver::default(),
            scratch: Scratch::default(),
            hits: Vec::new(),
            norm: PathNormalizer::default(),
            cls: Classifier::new(),
            behaviour_keys: true,
        }
    }

    /// Parsing only, no security rules (to measure what they cost).
    pub fn without_rules() -> Ingest {
        Ingest {
            rules: None,
            proxies: ClientResolver::default(),
            scratch: Scratch::default(),
            hits: Vec::new(),
            norm: PathNormalizer::default(),
            cls: Classifier::new(),
            behaviour_keys: true,
        }
    }

    /// Resolve clients behind these trusted proxies (see [`ClientResolver::resolve`]).
    pub fn with_proxies(mut self, proxies: ClientResolver) -> Ingest {
        self.proxies = proxies;
        self
    }

    /// Leave out the behaviour detector's keys (see [`Keys::for_aggregation`]): for runs
    /// without that detector.
    pub fn without_behaviour_keys(mut self) -> Ingest {
        self.behaviour_keys = false;
        self
    }

    /// Normalise paths with these user patterns first (`--path-pattern`).
    pub fn with_path_patterns(mut self, patterns: PathPatterns) -> Ingest {
        self.norm = PathNormalizer::new(patterns);
        self
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
            let (rules, scratch, hits, norm, cls, behaviour_keys) = (
                &self.rules,
                &mut self.scratch,
                &mut self.hits,
                &mut self.norm,
                &mut self.cls,
                self.behaviour_keys,
            );
            let proxies = &self.proxies;
            parser.parse_line(text, &mut |o| match o {
                Outcome::Request(r) => {
                    proxies.resolve(r);
                    hits.clear();
                    let keys = if behaviour_keys {
                        Keys::compute(r, norm, cls)
                    } else {
                        Keys::for_aggregation(r, norm)
                    };
                    if let Some(rules) = rules {
                        rules.check_keyed(r, keys.agent, scratch, hits);
                    }
                    let norm_path = r.path.is_some().then_some(norm.as_str());
                    batch.push(&chunk, r, &keys, norm_path, source, line_no, hits);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Format;

    #[test]
    fn clients_are_resolved_behind_trusted_proxies_before_the_batch() {
        let chunk = b"10.0.0.2 - - [22/Nov/2026:02:10:14 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" \"1.2.3.4, 198.51.100.7, 10.0.0.9\"\n\
198.51.100.1 - - [22/Nov/2026:02:10:15 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" \"1.2.3.4\"\n"
            .to_vec();
        let run = |ingest: &mut Ingest| {
            let mut parser = StreamParser::new(Some(Format::Combined));
            let mut batch = Batch::default();
            ingest.parse_chunk(&mut parser, 0, 1, chunk.clone(), &mut batch);
            (0..batch.records.len())
                .map(|i| batch.get(i).client_ip.unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let trusted = ClientResolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let mut with = Ingest::without_rules().with_proxies(trusted);
        assert_eq!(run(&mut with), ["198.51.100.7", "198.51.100.1"]);
        let mut without = Ingest::without_rules();
        assert_eq!(run(&mut without), ["10.0.0.2", "198.51.100.1"]);
    }

    #[test]
    fn path_patterns_shape_the_normalised_path_and_its_key() {
        let chunk = b"1.2.3.4 - - [22/Nov/2026:02:10:14 +0000] \"GET /u/jane/orders/77?x=1 HTTP/1.1\" 200 5\n".to_vec();
        let run = |ingest: &mut Ingest| {
            let mut parser = StreamParser::new(Some(Format::Common));
            let mut batch = Batch::default();
            ingest.parse_chunk(&mut parser, 0, 1, chunk.clone(), &mut batch);
            let key = batch.records[0].keys.norm_path;
            (batch.norm_path(0).map(str::to_owned), key)
        };
        let pats = PathPatterns::new(vec!["^/u/[^/]+=>/u/:user".parse().unwrap()]);
        let (p, key) = run(&mut Ingest::without_rules().with_path_patterns(pats));
        assert_eq!(p.as_deref(), Some("/u/:user/orders/:id"));
        assert_eq!(key, crate::window::hash::hash_str("/u/:user/orders/:id"));
        let (p, _) = run(&mut Ingest::without_rules());
        assert_eq!(p.as_deref(), Some("/u/jane/orders/:id"));
    }
}
