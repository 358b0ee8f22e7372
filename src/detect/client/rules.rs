//! The behaviour rules (plain comparisons of a client's decayed counters with thresholds)
//! and the flagged-client bookkeeping that keeps one behaviour from being announced again
//! and again.

use super::classify::UaClass;
use super::table::{Bounded, ClientId};
use super::{Client, ClientConfig, DISTINCT_HALF};
use crate::event::Behavior;
use crate::record::{MICROS_PER_SEC, Micros};

#[derive(Clone, Copy, Default)]
pub struct BState {
    last_active: Option<Micros>,
    announced_at: Micros,
    /// Size at announcement, raised while the behaviour settles (decayed counters keep
    /// climbing for a while after onset: that is not an escalation).
    announced: f64,
}

pub struct Flag {
    pub id: ClientId,
    pub mask: u8,
    pub last: Micros,
    st: [BState; 6],
}

pub const BEHAVIORS: [Behavior; 6] = [
    Behavior::Flood,
    Behavior::Scraper,
    Behavior::CredentialStuffing,
    Behavior::BruteForce,
    Behavior::Scanner,
    Behavior::BadBot,
];

pub fn bidx(b: Behavior) -> usize {
    match b {
        Behavior::Flood => 0,
        Behavior::Scraper => 1,
        Behavior::CredentialStuffing => 2,
        Behavior::BruteForce => 3,
        Behavior::Scanner => 4,
        Behavior::BadBot => 5,
    }
}

/// Bit mask of the behaviours whose rule holds now (per-request, compares only).
#[inline]
pub fn rules(c: &Client, cfg: &ClientConfig, flood: f64, now: Micros, new_path: bool) -> u8 {
    let rate = f64::from(c.rate);
    let mut m = 0u8;
    if rate >= flood {
        m |= 1 << bidx(Behavior::Flood);
    }
    if new_path
        && rate >= cfg.scraper_min_per_window
        && c.paths.estimate(now.div_euclid(DISTINCT_HALF)) >= cfg.scraper_min_distinct
    {
        m |= 1 << bidx(Behavior::Scraper);
    }
    if f64::from(c.fails) >= cfg.brute_min_failures {
        m |= 1 << bidx(Behavior::BruteForce);
    }
    let err = f64::from(c.err);
    if f64::from(c.sens) >= cfg.scanner_min_sensitive
        || (err >= cfg.scanner_min_errors && err >= cfg.scanner_error_share * rate)
    {
        m |= 1 << bidx(Behavior::Scanner);
    }
    let ua = f64::from(c.ua_n);
    let bot = match c.ua_class {
        UaClass::Normal => false,
        UaClass::Bad => ua >= cfg.badbot_tool_min,
        UaClass::Empty => ua >= cfg.badbot_empty_per_window,
        UaClass::Library => ua >= cfg.badbot_library_per_window,
    };
    if bot {
        m |= 1 << bidx(Behavior::BadBot);
    }
    m
}

/// The size of a behaviour, for escalation.
pub fn magnitude(c: &Client, b: Behavior, now: Micros) -> f64 {
    f64::from(match b {
        Behavior::Flood => c.rate,
        Behavior::Scraper => c.paths.estimate(now.div_euclid(DISTINCT_HALF)) as f32,
        Behavior::BruteForce | Behavior::CredentialStuffing => c.fails,
        Behavior::Scanner => c.err + c.sens,
        Behavior::BadBot => c.ua_n,
    })
}

/// Record that `b` holds for a client now. Returns whether it should be announced: first
/// time, after a quiet period, or escalated by `cfg.escalate` since the last announcement.
pub fn flag(
    flagged: &mut Bounded<Flag>,
    cfg: &ClientConfig,
    key: u64,
    id: impl FnOnce() -> ClientId,
    b: Behavior,
    now: Micros,
    mag: f64,
) -> bool {
    let slot = match flagged.slot(key) {
        Some(s) => s,
        None => {
            let f = Flag {
                id: id(),
                mask: 0,
                last: now,
                st: [BState::default(); 6],
            };
            // Full: forget the client flagged longest ago.
            flagged.insert(key, f, |f| f.last as f64).0
        }
    };
    let f = flagged.at(slot);
    let quiet = (cfg.quiet_secs * MICROS_PER_SEC as f64) as Micros;
    let st = &mut f.st[bidx(b)];
    let announce = match st.last_active {
        None => true,
        Some(t) => now.saturating_sub(t) >= quiet || mag >= cfg.escalate * st.announced,
    };
    st.last_active = Some(st.last_active.map_or(now, |t| t.max(now)));
    let settle = (cfg.slow_window_secs * MICROS_PER_SEC as f64) as Micros;
    if announce {
        st.announced = mag;
        st.announced_at = now;
    } else if now.saturating_sub(st.announced_at) <= settle {
        st.announced = st.announced.max(mag);
    }
    f.mask |= 1 << bidx(b);
    f.last = f.last.max(now);
    announce
}

pub fn behaviors(mask: u8) -> Vec<Behavior> {
    BEHAVIORS
        .into_iter()
        .filter(|&b| mask & (1 << bidx(b)) != 0)
        .collect()
}
