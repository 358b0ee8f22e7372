//! The hashes and classes every consumer of a request needs, computed once per request in
//! the parse stage. The engine thread is the pipeline's bottleneck; hashing strings (paths,
//! agents, targets), normalising and classifying paths and agents, and taking the latency's
//! logarithm there would cost it a third of its time, while the parse threads have room.
//! Consumers given `Keys` skip that work; the same functions compute them when a request
//! comes without (simulator, tests).

use crate::detect::client::classify::{self, Classifier, PathClass, UaClass};
use crate::record::Request;
use crate::window::hash::hash_str;
use crate::window::sketch::LatencySketch;
use crate::window::topk::TopKey;
use crate::window::{ClientKey, ClientRef, PathNormalizer};

/// Top-table keys (user agents, paths) are truncated to this many bytes.
pub const MAX_KEY_LEN: usize = 256;

/// Hashes of one request's keys. A field is meaningful only when the request has the
/// matching value (`client_ip`/`client_host`, `path`, `user_agent`, `backend`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys {
    /// The behaviour detector's client key ([`classify::client_key`]).
    pub client: u64,
    /// The aggregator's client hash ([`ClientKey::hash`]); 0 without a client.
    pub agg_client: u64,
    /// The raw path, as the behaviour detector tells paths apart ([`classify::path_hash`];
    /// no path hashes as the empty path).
    pub path: u64,
    /// The normalised path ([`PathNormalizer`]), truncated to [`MAX_KEY_LEN`].
    pub norm_path: u64,
    /// The user agent truncated to [`MAX_KEY_LEN`].
    pub agent: u64,
    /// [`classify::ua_fingerprint`].
    pub ua_fp: u64,
    /// The backend (target) name.
    pub target: u64,
    /// What the path and the agent look like to the behaviour rules (`Classifier`).
    pub path_class: PathClass,
    pub ua_class: UaClass,
    /// [`LatencySketch::index_of`] the request's latency (total, else the backend's).
    pub latency_index: Option<i32>,
}

impl Keys {
    /// The keys of `r`; the normalised path is left in `norm` (cleared when `r` has no path).
    /// `cls` classifies the path and agent (its caches make repeats cheap).
    pub fn compute(r: &Request<'_>, norm: &mut PathNormalizer, cls: &mut Classifier) -> Keys {
        let mut k = Keys::for_aggregation(r, norm);
        k.add_behaviour(r, cls);
        k
    }

    /// Only what the aggregator, the top tables and the security rules read; the behaviour
    /// detector's keys and classes (`client`, `path`, `ua_fp`, `path_class`, `ua_class`)
    /// are left at their defaults. For runs without that detector (`--detect`).
    pub fn for_aggregation(r: &Request<'_>, norm: &mut PathNormalizer) -> Keys {
        let mut k = Keys {
            agg_client: ClientRef::of(r).map_or(0, ClientKey::hash),
            ..Keys::default()
        };
        norm.clear();
        if let Some(p) = r.path.as_deref() {
            k.norm_path = norm.normalize_key(p, MAX_KEY_LEN);
        }
        if let Some(ua) = r.user_agent.as_deref() {
            k.agent = hash_str(truncate(ua, MAX_KEY_LEN));
        }
        if let Some(b) = r.backend.as_deref() {
            k.target = hash_str(b);
        }
        k.latency_index = r
            .total_time_us
            .or(r.backend_time_us)
            .and_then(LatencySketch::index_of);
        k
    }

    /// The behaviour detector's keys and classes (after [`Keys::for_aggregation`], whose
    /// agent hash the agent class is cached by).
    fn add_behaviour(&mut self, r: &Request<'_>, cls: &mut Classifier) {
        self.client = classify::client_key(r);
        self.path = classify::path_hash(r.path.as_deref().unwrap_or(""));
        self.ua_fp = classify::ua_fingerprint(r);
        self.path_class = cls.path_cached(r.path.as_deref().unwrap_or(""), self.path);
        self.ua_class = cls.user_agent_cached(r, self.agent);
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn keys_match_what_each_consumer_computes() {
        let long_ua = "é".repeat(200);
        let r = Request {
            client_ip: "198.51.100.7".parse().ok(),
            path: Some(Cow::Borrowed("/product/12345/")),
            user_agent: Some(Cow::Borrowed(&long_ua)),
            backend: Some(Cow::Borrowed("10.0.0.5:8080")),
            total_time_us: Some(1_500),
            ..Default::default()
        };
        let mut norm = PathNormalizer::default();
        let k = Keys::compute(&r, &mut norm, &mut Classifier::new());
        assert_eq!(norm.as_str(), "/product/:id/");
        assert_eq!(k.norm_path, hash_str("/product/:id/"));
        assert_eq!(k.path, classify::path_hash("/product/12345"));
        assert_eq!(k.client, classify::client_key(&r));
        assert_eq!(
            k.agg_client,
            ClientKey::hash(ClientRef::Ip("198.51.100.7".parse().unwrap()))
        );
        // 256 bytes of two-byte chars: cut on a boundary at 256.
        assert_eq!(k.agent, hash_str(&long_ua[..256]));
        assert_eq!(k.target, hash_str("10.0.0.5:8080"));
        assert_ne!(k.client, 0);
        assert_eq!(k.latency_index, LatencySketch::index_of(1_500));

        // Without the behaviour keys: the same aggregation keys, the rest left at defaults.
        let a = Keys::for_aggregation(&r, &mut norm);
        assert_eq!(
            (
                a.agg_client,
                a.norm_path,
                a.agent,
                a.target,
                a.latency_index
            ),
            (
                k.agg_client,
                k.norm_path,
                k.agent,
                k.target,
                k.latency_index
            )
        );
        assert_eq!((a.client, a.path, a.ua_fp), (0, 0, 0));
        assert_eq!(norm.as_str(), "/product/:id/");

        let bare = Request::default();
        let k = Keys::compute(&bare, &mut norm, &mut Classifier::new());
        assert!(norm.as_str().is_empty());
        assert_eq!((k.agg_client, k.agent, k.target), (0, 0, 0));
        assert_eq!(k.path, classify::path_hash(""));
    }

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("aé", 3), "aé");
    }
}
