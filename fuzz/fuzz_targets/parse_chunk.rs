//! The whole parse stage (line splitting, UTF-8 repair, parsing, security rules, batch
//! storage) on arbitrary bytes: never panics, and every line is accounted for.
#![no_main]
use lbtop::batch::Batch;
use lbtop::detect::security::RuleSet;
use lbtop::ingest::Ingest;
use lbtop::parse::StreamParser;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let mut ingest = Ingest::new(Arc::new(RuleSet::builtin()));
    let mut parser = StreamParser::new(None);
    let mut batch = Batch::default();
    ingest.parse_chunk(&mut parser, 0, 1, data.to_vec(), &mut batch);
    let rejected: u64 = batch.rejected.iter().map(|(_, n)| n).sum();
    assert!(batch.len() as u64 + rejected + batch.skipped >= batch.lines);
    for i in 0..batch.len() {
        let _ = batch.get(i);
    }
});
