//! Every parser, forced and auto-detected, on arbitrary lines: never panics.
#![no_main]
use lbtop::parse::{Format, StreamParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut forced: Vec<Option<Format>> = Format::ALL.iter().copied().map(Some).collect();
    forced.push(None);
    for f in forced {
        let mut p = StreamParser::new(f);
        for line in text.split('\n') {
            p.parse_line(line, &mut |_| {});
        }
    }
});
