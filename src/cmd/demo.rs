//! `lbtop demo`: built-in synthetic traffic with incidents, from the simulator. Lines are
//! written in ALB format and parsed back, so the demo runs the same path as real logs.
//! The quiet warm-up is fast-forwarded, so baselines are learned before the screen shows up
//! and the first incident arrives within seconds.

use super::live::Publisher;
use crate::detect::security::{Hit, RuleSet, Scratch};
use crate::engine::{Engine, EngineConfig};
use crate::event::Event;
use crate::parse::{Format, Outcome, StreamParser};
use crate::record::{MICROS_PER_SEC, Micros};
use crate::sim::{self, SimConfig, Simulator};
use crate::source::Pacer;
use crate::tui::Control;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Log seconds of warm-up run at full speed before pacing starts.
const WARMUP_SECS: i64 = 6 * 60;

/// Feeds one simulated request through write → parse → rules → engine.
pub(crate) struct Feeder {
    pub format: Format,
    parser: StreamParser,
    rules: Arc<RuleSet>,
    scratch: Scratch,
    hits: Vec<Hit>,
    line: String,
    line_no: u64,
}

impl Feeder {
    pub fn new(rules: Arc<RuleSet>) -> Feeder {
        Feeder {
            format: Format::Alb,
            parser: StreamParser::new(None),
            rules,
            scratch: Scratch::default(),
            hits: Vec::new(),
            line: String::new(),
            line_no: 0,
        }
    }

    /// Returns the number of security hits the request got.
    pub fn feed(&mut self, engine: &mut Engine, r: &crate::record::Request<'_>) -> usize {
        self.line.clear();
        sim::write_line(r, self.format, &mut self.line);
        self.line_no += 1;
        let (rules, scratch, hits, n) =
            (&self.rules, &mut self.scratch, &mut self.hits, self.line_no);
        let mut counted = false;
        let mut nhits = 0;
        self.parser.parse_line(&self.line, &mut |o| {
            match o {
                Outcome::Request(req) => {
                    hits.clear();
                    rules.check_with(req, scratch, hits);
                    nhits += hits.len();
                    if counted {
                        engine.record(req, 0, n, hits);
                    } else {
                        engine.record_line(req, 0, n, hits);
                    }
                }
                Outcome::Rejected(rj) => engine.rejected(rj.0, b"(simulated line)"),
                Outcome::Skipped(_) => engine.skipped(),
            }
            counted = true;
        });
        nhits
    }
}

fn scenario_from(seed: u64, start: Option<Micros>) -> SimConfig {
    let mut cfg = sim::scenario("demo", seed).expect("demo scenario");
    if let Some(s) = start {
        cfg.start = s;
    }
    cfg
}

/// The TUI demo: paced by `speed`, pausable, looping through scenarios with new seeds.
pub fn run(seed: u64, speed: f64, rules: Arc<RuleSet>, cfg: EngineConfig, publ: &mut Publisher) {
    let mut engine = Engine::new(cfg);
    engine.set_source(0, "demo: simulated ALB traffic".into());
    let mut feeder = Feeder::new(rules);
    let mut speed = speed.clamp(0.1, 10_000.0);
    let mut paused = false;
    let mut start = None;
    let mut seed = seed;
    let started = Instant::now();
    let mut pacer: Option<Pacer> = None;
    while !publ.quit {
        let sc = scenario_from(seed, start);
        let warm_until = sc.start + WARMUP_SECS * MICROS_PER_SEC;
        let end = sc.end();
        for sr in Simulator::new(sc) {
            let t = sr.req.time;
            if t >= warm_until || start.is_some() {
                let p = pacer.get_or_insert_with(|| Pacer::new(speed));
                loop {
                    for c in publ.poll() {
                        let wall = started.elapsed();
                        match c {
                            Control::Pause(x) => {
                                paused = x;
                                if x { p.pause(wall) } else { p.resume(wall) }
                            }
                            Control::Speed(s) => {
                                speed = s.clamp(0.1, 10_000.0);
                                p.set_speed(speed, wall);
                            }
                            Control::Seek(s) if s > 0 => p.seek(s * MICROS_PER_SEC, wall),
                            _ => {}
                        }
                        publ.mode = crate::snapshot::Mode::Demo;
                        publ.touch();
                    }
                    if publ.quit {
                        return;
                    }
                    let wait = p.delay(t, started.elapsed());
                    if wait.is_zero() {
                        break;
                    }
                    if let Some(now) = p.log_now(started.elapsed()) {
                        engine.advance(now.min(t));
                    }
                    publ.touch();
                    publ.maybe_publish(&engine, |s| s.mode = crate::snapshot::Mode::Demo);
                    std::thread::sleep(wait.min(Duration::from_millis(20)));
                }
            }
            let _ = feeder.feed(&mut engine, &sr.req);
            publ.take_events(&mut engine);
            publ.touch();
            publ.maybe_publish(&engine, |s| {
                if paused {
                    s.mode = crate::snapshot::Mode::Replay {
                        speed_x100: (speed * 100.0) as u32,
                        paused,
                    };
                }
            });
        }
        // Loop with a new seed, continuing in log time.
        seed = seed.wrapping_add(1);
        start = Some(end);
    }
}

/// `lbtop demo --headless`: the whole demo scenario at full speed, events as JSON lines.
pub fn headless(seed: u64, rules: Arc<RuleSet>, cfg: EngineConfig) -> Result<(), super::Failure> {
    let mut engine = Engine::new(cfg);
    engine.set_source(0, "demo".into());
    let mut feeder = Feeder::new(rules);
    let t0 = Instant::now();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let write = |engine: &mut Engine, out: &mut dyn Write| -> std::io::Result<()> {
        for ev in engine.drain_events() {
            serde_json::to_writer(&mut *out, &ev)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    };
    for sr in Simulator::new(scenario_from(seed, None)) {
        let _ = feeder.feed(&mut engine, &sr.req);
        write(&mut engine, &mut out).map_err(super::Failure::Io)?;
    }
    engine.finish();
    write(&mut engine, &mut out).map_err(super::Failure::Io)?;
    let s = engine.summary(t0.elapsed().as_secs_f64());
    serde_json::to_writer(&mut out, &Event::Summary(s))
        .map_err(std::io::Error::from)
        .map_err(super::Failure::Io)?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(super::Failure::Io)
}
