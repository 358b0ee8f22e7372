//! ChunkReader: line alignment, gzip, truncation, huge lines.

use std::io::{self, Read, Write};

use flate2::{Compression, write::GzEncoder};
use proptest::prelude::*;

use super::{ChunkInfo, ChunkReader, Input, LINE_CAP};

/// Every chunk (info, bytes) and the error that ended reading, if any.
fn chunks(mut r: ChunkReader) -> (Vec<(ChunkInfo, Vec<u8>)>, Option<io::Error>) {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        match r.next_chunk(&mut buf) {
            Ok(Some(info)) => out.push((info, buf.clone())),
            Ok(None) => return (out, None),
            Err(e) => {
                // After an error the reader is finished.
                assert!(matches!(r.next_chunk(&mut buf), Ok(None)));
                return (out, Some(e));
            }
        }
    }
}

fn concat(cs: &[(ChunkInfo, Vec<u8>)]) -> Vec<u8> {
    cs.iter().flat_map(|(_, d)| d.iter().copied()).collect()
}

/// A reader that hands out at most `n` bytes per read, like a pipe.
struct Trickle<R>(R, usize);
impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.1);
        self.0.read(&mut buf[..n])
    }
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Checks the chunk invariants against the input and returns the chunks.
fn check_chunks(data: &[u8], cs: &[(ChunkInfo, Vec<u8>)]) {
    assert_eq!(concat(cs), data, "bytes in = bytes out");
    let mut line = 1;
    let mut offset = 0;
    for (k, (info, d)) in cs.iter().enumerate() {
        assert!(!d.is_empty());
        let last = k + 1 == cs.len();
        if !last {
            assert_eq!(d.last(), Some(&b'\n'), "chunk {k} ends mid-line");
        }
        assert_eq!(info.first_line, line);
        assert_eq!(info.offset, offset);
        let nl = d.iter().filter(|&&b| b == b'\n').count() as u64;
        let partial = u64::from(d.last() != Some(&b'\n'));
        assert_eq!(info.lines, nl + partial);
        line += info.lines;
        offset += d.len() as u64;
    }
}

proptest! {
    #[test]
    fn chunks_never_split_lines(
        lines in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no nl", |b| *b != b'\n'), 0..40), 0..60),
        final_nl in any::<bool>(),
        chunk in 1usize..64,
        trickle in 1usize..16,
    ) {
        let mut data = lines.join(&b'\n');
        if final_nl && !lines.is_empty() {
            data.push(b'\n');
        }
        // Data that starts with gzip's magic bytes is read as gzip (and fails): not this test.
        prop_assume!(!data.starts_with(&[0x1f, 0x8b]));
        let r = ChunkReader::from_reader("t", Trickle(io::Cursor::new(data.clone()), trickle))
            .unwrap()
            .with_chunk_size(chunk);
        let (cs, err) = chunks(r);
        prop_assert!(err.is_none());
        check_chunks(&data, &cs);
        let total: u64 = cs.iter().map(|(i, _)| i.lines).sum();
        let expect = if data.is_empty() { 0 } else { data.iter().filter(|&&b| b == b'\n').count() as u64 + u64::from(*data.last().unwrap() != b'\n') };
        prop_assert_eq!(total, expect);
    }
}

#[test]
fn final_line_without_newline_and_crlf_kept() {
    let data = b"a 1\r\nb 2\r\nlast".to_vec();
    let r = ChunkReader::from_reader("t", io::Cursor::new(data.clone())).unwrap();
    assert!(!r.is_gzip());
    let (cs, err) = chunks(r);
    assert!(err.is_none());
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].1, data);
    assert_eq!(cs[0].0.lines, 3);
    assert_eq!(cs[0].0.first_line, 1);
}

#[test]
fn large_file_in_large_chunks_reusing_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut data = Vec::new();
    for i in 0..100_000 {
        writeln!(data, "line {i} GET /some/path?x={i} 200").unwrap();
    }
    std::fs::write(&path, &data).unwrap();
    let mut r = ChunkReader::open(&Input::File(path)).unwrap();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut ptrs = Vec::new();
    let mut n = 0;
    while let Some(info) = r.next_chunk(&mut buf).unwrap() {
        assert!(buf.len() <= super::CHUNK_SIZE + 64 * 1024);
        assert_eq!(buf.last(), Some(&b'\n'));
        ptrs.push(buf.as_ptr());
        out.push((info, buf.clone()));
        n += 1;
    }
    check_chunks(&data, &out);
    assert!(n > 5);
    let sizes: Vec<usize> = out.iter().map(|c| c.1.len()).collect();
    assert!(
        sizes[..n - 1].iter().all(|&s| s > super::CHUNK_SIZE - 100),
        "chunks are large: {sizes:?}"
    );
    assert!(
        ptrs.windows(2).skip(1).all(|w| w[0] == w[1]),
        "buffer reallocated once warm"
    );
}

#[test]
fn gzip_single_and_multi_member_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let one = b"l1\nl2\n";
    let two = b"l3\nl4 no newline";
    let single = dir.path().join("single.log"); // no .gz: detected by magic
    std::fs::write(&single, gz(one)).unwrap();
    let r = ChunkReader::open(&Input::File(single)).unwrap();
    assert!(r.is_gzip());
    let (cs, err) = chunks(r);
    assert!(err.is_none());
    assert_eq!(concat(&cs), one);

    let multi = dir.path().join("multi.log.gz");
    let mut bytes = gz(one);
    bytes.extend(gz(two));
    std::fs::write(&multi, bytes).unwrap();
    let (cs, err) = chunks(ChunkReader::open(&Input::File(multi)).unwrap());
    assert!(err.is_none());
    assert_eq!(concat(&cs), b"l1\nl2\nl3\nl4 no newline");
    assert_eq!(cs.iter().map(|c| c.0.lines).sum::<u64>(), 4);
}

#[test]
fn truncated_gzip_yields_lines_then_error() {
    let mut data = Vec::new();
    for i in 0..50_000 {
        writeln!(data, "request {i} 200 {}", i * 7).unwrap();
    }
    let full = gz(&data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.log.gz");
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    let (cs, err) = chunks(ChunkReader::open(&Input::File(path.clone())).unwrap());
    let got = concat(&cs);
    assert!(
        got.len() > data.len() / 4,
        "most decodable data delivered: {}",
        got.len()
    );
    assert!(data.starts_with(&got), "a prefix of the original");
    assert_eq!(got.last(), Some(&b'\n'), "the cut line is not delivered");
    let n = got.iter().filter(|&&b| b == b'\n').count();
    let err = err.expect("truncation is an error");
    assert_eq!(
        err.to_string(),
        format!("{}: truncated gzip after {n} lines", path.display())
    );
}

#[test]
fn huge_line_is_capped_and_skipped() {
    // 3 MiB without a newline, then normal lines; then a huge last line without newline.
    let mut data = vec![b'x'; 3 * 1024 * 1024];
    data.extend_from_slice(b"\nok 2\r\nok 3\n");
    data.extend(vec![b'y'; 2 * LINE_CAP]);
    let r = ChunkReader::from_reader("t", io::Cursor::new(data)).unwrap();
    let mut r = r;
    let mut buf = Vec::new();
    let mut lines: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut truncated = 0;
    let mut max_cap = 0;
    while let Some(info) = r.next_chunk(&mut buf).unwrap() {
        max_cap = max_cap.max(buf.capacity());
        truncated += info.truncated_lines;
        for (no, l) in (info.first_line..).zip(buf.split_inclusive(|&b| b == b'\n')) {
            lines.push((no, l.to_vec()));
        }
    }
    assert_eq!(truncated, 2);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].0, 1);
    assert_eq!(lines[0].1.len(), LINE_CAP + 1);
    assert!(lines[0].1[..LINE_CAP].iter().all(|&b| b == b'x'));
    assert!(
        lines[0].1.len() - 1 > crate::parse::MAX_LINE,
        "the parser rejects it as too long"
    );
    assert_eq!(lines[1], (2, b"ok 2\r\n".to_vec()));
    assert_eq!(lines[2], (3, b"ok 3\n".to_vec()));
    assert_eq!(lines[3].0, 4);
    assert_eq!(lines[3].1.len(), LINE_CAP + 1);
    assert!(
        max_cap < LINE_CAP + 2 * super::CHUNK_SIZE,
        "memory bounded: {max_cap}"
    );
}

#[test]
fn binary_passes_through() {
    let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let (cs, err) = chunks(ChunkReader::from_reader("bin", io::Cursor::new(data.clone())).unwrap());
    assert!(err.is_none());
    check_chunks(&data, &cs);
}

#[test]
fn open_errors_name_the_file() {
    let e = ChunkReader::open(&Input::File("/nonexistent/x.log".into())).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/nonexistent/x.log: no such file or directory"
    );
}

/// Rough throughput figure: `cargo test --release --lib source::tests_chunk::throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Vec::with_capacity(64 << 20);
    let mut i = 0u64;
    while data.len() < 64 << 20 {
        writeln!(data, "h2 2024-01-02T03:04:05.{i:06}Z app/web/1 10.0.0.{}:5000 10.0.1.2:80 0.001 0.020 0.000 200 200 34 366 \"GET https://x.example.com:443/api/items?id={i} HTTP/1.1\" \"curl/8\" - -", i % 250).unwrap();
        i += 1;
    }
    for (name, bytes) in [("plain.log", data.clone()), ("packed.log.gz", gz(&data))] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let t = std::time::Instant::now();
        let mut r = ChunkReader::open(&Input::File(p)).unwrap();
        let mut buf = Vec::new();
        let (mut n, mut lines) = (0usize, 0u64);
        while let Some(info) = r.next_chunk(&mut buf).unwrap() {
            n += buf.len();
            lines += info.lines;
        }
        let s = t.elapsed().as_secs_f64();
        assert_eq!(n, data.len());
        println!(
            "{name}: {} MiB, {lines} lines in {s:.3}s = {:.0} MiB/s",
            n >> 20,
            n as f64 / s / 1048576.0
        );
    }
}

/// Hands out its parts one read at a time and fails the test if read past `stop` — as a
/// pipe whose writer has not written more yet would block.
struct Pipe {
    parts: Vec<&'static [u8]>,
    stop: usize,
    next: usize,
}
impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(self.next < self.stop, "read blocked waiting for more input");
        let p = self.parts.get(self.next).copied().unwrap_or(b"");
        self.next += 1;
        buf[..p.len()].copy_from_slice(p);
        Ok(p.len())
    }
}

#[test]
fn eager_reader_returns_lines_without_waiting_to_fill_a_chunk() {
    let pipe = Pipe {
        parts: vec![b"GE", b"T /a\nGET /b\npart", b"ial\n"],
        stop: 2,
        next: 0,
    };
    let mut r = ChunkReader::from_reader("-", pipe).unwrap().eager();
    let mut buf = Vec::new();
    let info = r.next_chunk(&mut buf).unwrap().unwrap();
    assert_eq!(buf, b"GET /a\nGET /b\n");
    assert_eq!((info.first_line, info.lines), (1, 2));
}

#[test]
fn a_buffer_holding_old_bytes_gets_only_the_new_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.log");
    std::fs::write(&path, b"one\ntwo\nthree").unwrap();
    let mut r = ChunkReader::open(&Input::File(path)).unwrap();
    // Longer than the file and than a chunk, with newlines that must not be counted.
    let mut buf = b"stale\n".repeat(100_000);
    let info = r.next_chunk(&mut buf).unwrap().unwrap();
    assert_eq!(buf, b"one\ntwo\nthree");
    assert_eq!((info.first_line, info.lines, info.offset), (1, 3, 0));
    assert_eq!(r.next_chunk(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}
