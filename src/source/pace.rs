//! Replay pacing: when to release a record stamped with a log time. Pure: the caller passes
//! the wall time elapsed since replay start, so it is testable with synthetic values.

use std::time::Duration;

use crate::record::Micros;

/// Maps wall time to a "replay clock" in log time: `log_now = anchor_log + (wall -
/// anchor_wall) * speed`. Speed changes, pause/resume and seeks re-anchor at the current
/// position, so the replay clock never jumps except by an explicit seek.
#[derive(Debug, Clone)]
pub struct Pacer {
    speed: f64,
    paused: bool,
    /// (log time, wall elapsed) of the last anchor; `None` until the first record.
    anchor: Option<(Micros, Duration)>,
    /// Log-time gaps longer than this (in wall time at the current speed) are skipped.
    max_idle: Option<Duration>,
}

const MIN_SPEED: f64 = 1e-3;
const MAX_SPEED: f64 = 1e6;

fn clamp_speed(s: f64) -> f64 {
    if s.is_finite() {
        s.clamp(MIN_SPEED, MAX_SPEED)
    } else {
        1.0
    }
}

fn micros_of(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

impl Pacer {
    /// `speed` × real time (1.0 = as logged, 60.0 = a minute per second). Clamped to
    /// [0.001, 1e6]; non-finite means 1.
    pub fn new(speed: f64) -> Self {
        Pacer {
            speed: clamp_speed(speed),
            paused: false,
            anchor: None,
            max_idle: None,
        }
    }

    /// Skip quiet stretches: a record whose wait would exceed `max` is released at once and
    /// the replay clock continues from its log time.
    pub fn with_max_idle(mut self, max: Duration) -> Self {
        self.max_idle = Some(max);
        self
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The replay clock at `wall` (log time "now"), once the first record anchored it.
    pub fn log_now(&self, wall: Duration) -> Option<Micros> {
        let (log, at) = self.anchor?;
        if self.paused {
            return Some(log);
        }
        let dt = micros_of(wall.saturating_sub(at)) * self.speed;
        Some(log.saturating_add(dt as i64))
    }

    fn reanchor(&mut self, wall: Duration) {
        if let Some(now) = self.log_now(wall) {
            self.anchor = Some((now, wall));
        }
    }

    /// How long to wait, from `wall`, before releasing a record stamped `log_time`. The first
    /// record anchors the clock (no wait). Paused: `Duration::MAX`. Records at or before the
    /// replay clock (including out-of-order ones): zero.
    pub fn delay(&mut self, log_time: Micros, wall: Duration) -> Duration {
        let Some(now) = self.log_now(wall) else {
            self.anchor = Some((log_time, wall));
            return if self.paused {
                Duration::MAX
            } else {
                Duration::ZERO
            };
        };
        if self.paused {
            return Duration::MAX;
        }
        if log_time <= now {
            return Duration::ZERO;
        }
        let wait = Duration::from_secs_f64((log_time - now) as f64 / 1e6 / self.speed);
        match self.max_idle {
            Some(max) if wait > max => {
                // Jump over the quiet stretch: the clock continues from this record.
                self.anchor = Some((log_time, wall));
                Duration::ZERO
            }
            _ => wait,
        }
    }

    /// Change speed at `wall` without moving the replay clock.
    pub fn set_speed(&mut self, speed: f64, wall: Duration) {
        self.reanchor(wall);
        self.speed = clamp_speed(speed);
    }

    /// Freeze the replay clock at `wall`.
    pub fn pause(&mut self, wall: Duration) {
        if !self.paused {
            self.reanchor(wall);
            self.paused = true;
        }
    }

    /// Unfreeze at `wall`: the clock continues from where it was paused.
    pub fn resume(&mut self, wall: Duration) {
        if self.paused {
            self.paused = false;
            if let Some((log, _)) = self.anchor {
                self.anchor = Some((log, wall));
            }
        }
    }

    /// Move the replay clock by `delta` µs of log time (negative: back), at `wall`. Pacing
    /// continues smoothly from the new position.
    pub fn seek(&mut self, delta: Micros, wall: Duration) {
        self.reanchor(wall);
        if let Some((log, at)) = self.anchor {
            self.anchor = Some((log.saturating_add(delta), at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;
    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn real_time_and_faster() {
        let mut p = Pacer::new(1.0);
        let t0 = 1_700_000_000 * S;
        assert_eq!(p.delay(t0, ms(500)), Duration::ZERO);
        assert_eq!(p.delay(t0 + 2 * S, ms(500)), ms(2000));
        assert_eq!(p.delay(t0 + 2 * S, ms(1500)), ms(1000));
        assert_eq!(p.delay(t0 + 2 * S, ms(3000)), Duration::ZERO);
        assert_eq!(p.delay(t0 - S, ms(3000)), Duration::ZERO, "out of order");

        let mut f = Pacer::new(10.0);
        f.delay(t0, Duration::ZERO);
        assert_eq!(f.delay(t0 + 10 * S, Duration::ZERO), ms(1000));
        assert_eq!(f.log_now(ms(500)), Some(t0 + 5 * S));
    }

    #[test]
    fn speed_change_does_not_jump() {
        let mut p = Pacer::new(1.0);
        let t0 = 0;
        p.delay(t0, Duration::ZERO);
        assert_eq!(p.log_now(ms(4000)), Some(4 * S));
        p.set_speed(2.0, ms(4000));
        assert_eq!(p.log_now(ms(4000)), Some(4 * S), "no jump at the change");
        assert_eq!(p.log_now(ms(5000)), Some(6 * S));
        assert_eq!(p.delay(10 * S, ms(5000)), ms(2000));
        p.set_speed(f64::NAN, ms(5000));
        assert_eq!(p.speed(), 1.0);
        p.set_speed(0.0, ms(5000));
        assert_eq!(p.speed(), MIN_SPEED);
    }

    #[test]
    fn pause_freezes_and_resume_continues() {
        let mut p = Pacer::new(1.0);
        p.delay(0, Duration::ZERO);
        p.pause(ms(3000));
        assert!(p.is_paused());
        assert_eq!(p.delay(S, ms(9000)), Duration::MAX);
        assert_eq!(p.log_now(ms(9000)), Some(3 * S));
        p.resume(ms(10_000));
        assert_eq!(p.log_now(ms(10_000)), Some(3 * S));
        assert_eq!(p.delay(5 * S, ms(11_000)), ms(1000));
    }

    #[test]
    fn seek_moves_clock_smoothly() {
        let mut p = Pacer::new(1.0);
        p.delay(100 * S, Duration::ZERO);
        p.seek(60 * S, ms(1000));
        assert_eq!(p.log_now(ms(1000)), Some(161 * S));
        assert_eq!(p.delay(162 * S, ms(1000)), ms(1000));
        p.seek(-100 * S, ms(1000));
        assert_eq!(p.log_now(ms(2000)), Some(62 * S));
    }

    #[test]
    fn max_idle_skips_quiet_stretches() {
        let mut p = Pacer::new(1.0).with_max_idle(ms(5000));
        p.delay(0, Duration::ZERO);
        assert_eq!(p.delay(3600 * S, ms(10)), Duration::ZERO);
        assert_eq!(p.log_now(ms(10)), Some(3600 * S));
        assert_eq!(p.delay(3602 * S, ms(10)), ms(2000));
    }
}
