//! Cheap per-request classification: client key hashing, path hashing, login / sensitive path
//! and user-agent classes. Everything here runs once per request, so: no allocation, one
//! aho-corasick pass per field at most.

use crate::record::{Format, Request};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::net::IpAddr;
use std::sync::LazyLock;

/// Finaliser of splitmix64: spreads a few varying bits over the whole word.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fast non-cryptographic byte hash (8 bytes at a time), good enough for table keys and
/// distinct-count sketches; not exposed to attacker-chosen collisions in any way that grows
/// memory (tables are bounded).
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ (b.len() as u64);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(0x100_0000_01b3).rotate_left(29);
    }
    if let Some(w) = crate::window::hash::tail_word(b) {
        h = (h ^ w).wrapping_mul(0x100_0000_01b3);
    }
    mix64(h)
}

/// Table key of a client: the IP when present (no string work), else a hash of the host name.
#[inline]
pub fn client_key(r: &Request<'_>) -> u64 {
    match (r.client_ip, r.client_host.as_deref()) {
        (Some(IpAddr::V4(a)), _) => mix64(u64::from(u32::from(a)) | (4 << 32)),
        (Some(IpAddr::V6(a)), _) => {
            let v = u128::from(a);
            mix64((v as u64) ^ mix64((v >> 64) as u64 ^ 6))
        }
        (None, Some(h)) => hash_bytes(h.as_bytes()) ^ 0x68,
        (None, None) => 0x2d2d_2d2d,
    }
}

/// Hash of the path, normalised only by dropping a trailing `/`: numeric ids are NOT folded,
/// since walking `/item/1`, `/item/2`, … is exactly what a scraper does.
#[inline]
pub fn path_hash(path: &str) -> u64 {
    let b = path.as_bytes();
    let b = if b.len() > 1 && b[b.len() - 1] == b'/' {
        &b[..b.len() - 1]
    } else {
        b
    };
    hash_bytes(b)
}

/// What a path looks like to the behaviour rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathClass {
    #[default]
    Plain,
    Login,
    Sensitive,
}

/// Login endpoints (matched case-insensitively as substrings).
const LOGIN: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "sign_in",
    "logon",
    "xmlrpc.php",
    "/auth/",
    "/api/auth",
    "/oauth/token",
    "/oauth2/token",
    "/connect/token",
    "/authenticate",
    "/session",
    "/j_security_check",
];

/// Files and tools nobody but a scanner asks for.
const SENSITIVE: &[&str] = &[
    ".env",
    ".git/",
    ".git/config",
    ".svn/",
    ".hg/",
    ".htaccess",
    ".htpasswd",
    ".ds_store",
    "wp-config",
    "phpmyadmin",
    "phpinfo",
    "/etc/passwd",
    "/.aws/",
    "id_rsa",
    "web.config",
    "server-status",
    "/actuator/",
    "/cgi-bin/",
    ".sql",
    ".bak",
    "/boaform",
    "/vendor/phpunit",
    "/.well-known/security.txt.bak",
];

/// User-agent class, worst last so classes compare by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum UaClass {
    #[default]
    Normal,
    /// HTTP libraries and headless browsers: fine at a low rate (integrations), suspicious fast.
    Library,
    /// No user agent at all on a format that logs one.
    Empty,
    /// Known attack tools and abusive bots.
    Bad,
}

impl UaClass {
    pub fn describe(self) -> &'static str {
        match self {
            UaClass::Normal => "browser",
            UaClass::Library => "HTTP-library/headless",
            UaClass::Empty => "empty",
            UaClass::Bad => "known attack-tool/bad-bot",
        }
    }
}

const BAD_UA: &[&str] = &[
    "sqlmap",
    "nikto",
    "nmap",
    "masscan",
    "zgrab",
    "nuclei",
    "dirbuster",
    "gobuster",
    "dirb/",
    "wpscan",
    "acunetix",
    "nessus",
    "openvas",
    "w3af",
    "havij",
    "fuzz faster u fool",
    "ffuf",
    "feroxbuster",
    "hydra",
    "zmeu",
    "morfeus",
    "jorgee",
    "netsparker",
    "qualys",
    "arachni",
    "commix",
    "xsstrike",
    "mj12bot",
    "blexbot",
    "dotbot",
    "megaindex",
    "seekport",
];

const LIB_UA: &[&str] = &[
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "libwww-perl",
    "java/",
    "okhttp",
    "apache-httpclient",
    "node-fetch",
    "axios/",
    "scrapy",
    "headlesschrome",
    "phantomjs",
    "selenium",
    "puppeteer",
    "playwright",
    "httpclient",
    "ruby",
    "guzzlehttp",
];

const CACHE: usize = 4096;
const UA_CACHE: usize = 1024;

pub struct Classifier {
    /// Direct-mapped cache of path hash → class: benign traffic repeats its paths, and
    /// this skips the automaton for them. Entry = hash with the low 2 bits holding class+1.
    cache: Box<[u64]>,
    /// The same for user agents ([`crate::keys::Keys::agent`]): a churning population of new
    /// clients brings few distinct agents, and the overlapping scan of a long agent is costly.
    ua_cache: Box<[u64]>,
}

/// The path and agent automata, built once per process on first use (a few milliseconds
/// each: every parse thread and the engine hold a classifier, and a run without the
/// behaviour detector never needs them).
static AUTOMATA: LazyLock<(AhoCorasick, AhoCorasick)> = LazyLock::new(|| {
    let pats: Vec<&str> = LOGIN.iter().chain(SENSITIVE.iter()).copied().collect();
    let ua: Vec<&str> = BAD_UA.iter().chain(LIB_UA.iter()).copied().collect();
    let build = |p: &[&str]| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(p)
            .expect("static patterns compile")
    };
    (build(&pats), build(&ua))
});

impl Classifier {
    pub fn new() -> Classifier {
        Classifier {
            cache: vec![0u64; CACHE].into_boxed_slice(),
            ua_cache: vec![0u64; UA_CACHE].into_boxed_slice(),
        }
    }

    /// Class of a path whose [`path_hash`] is `h`, through the cache.
    #[inline]
    pub fn path_cached(&mut self, path: &str, h: u64) -> PathClass {
        let slot = (h >> 52) as usize & (CACHE - 1);
        let e = self.cache[slot];
        if e != 0 && (e ^ h) & !3 == 0 {
            return match e & 3 {
                1 => PathClass::Plain,
                2 => PathClass::Login,
                _ => PathClass::Sensitive,
            };
        }
        let c = self.path(path);
        let tag = match c {
            PathClass::Plain => 1,
            PathClass::Login => 2,
            PathClass::Sensitive => 3,
        };
        self.cache[slot] = (h & !3) | tag;
        c
    }

    /// Sensitive beats login (`/login/.env` is a probe, not a login).
    pub fn path(&self, path: &str) -> PathClass {
        let mut class = PathClass::Plain;
        for m in AUTOMATA.0.find_overlapping_iter(path) {
            if m.pattern().as_usize() >= LOGIN.len() {
                return PathClass::Sensitive;
            }
            class = PathClass::Login;
        }
        if class == PathClass::Plain {
            // `/auth` and `/token` only as the last segment: `/author/…` is not a login.
            let b = path.as_bytes();
            let t = if b.len() > 1 && b[b.len() - 1] == b'/' {
                &b[..b.len() - 1]
            } else {
                b
            };
            if ends_with_ci(t, b"/auth") || ends_with_ci(t, b"/token") {
                class = PathClass::Login;
            }
        }
        class
    }

    /// [`Classifier::user_agent`] through the cache, keyed by `agent`, the agent's hash
    /// ([`crate::keys::Keys::agent`], of at most [`crate::keys::MAX_KEY_LEN`] bytes; a longer
    /// agent is hashed whole here).
    pub fn user_agent_cached(&mut self, r: &Request<'_>, agent: u64) -> UaClass {
        let Some(ua) = r.user_agent.as_deref() else {
            return self.user_agent(r);
        };
        let h = if ua.len() <= crate::keys::MAX_KEY_LEN {
            agent
        } else {
            hash_bytes(ua.as_bytes())
        };
        let slot = (h >> 54) as usize & (UA_CACHE - 1);
        let e = self.ua_cache[slot];
        if e != 0 && (e ^ h) & !3 == 0 {
            return match e & 3 {
                1 => UaClass::Normal,
                2 => UaClass::Library,
                _ => UaClass::Bad,
            };
        }
        let c = self.user_agent(r);
        let tag = match c {
            UaClass::Normal => 1,
            UaClass::Library => 2,
            UaClass::Bad => 3,
            // Blank agents are cheap to tell: not cached.
            UaClass::Empty => return c,
        };
        self.ua_cache[slot] = (h & !3) | tag;
        c
    }

    pub fn user_agent(&self, r: &Request<'_>) -> UaClass {
        match r.user_agent.as_deref() {
            // `Common` logs no user agent at all: absence says nothing there.
            None if r.format == Format::Common => UaClass::Normal,
            None => UaClass::Empty,
            Some(ua) => {
                let t = ua.trim();
                if t.is_empty() || t == "-" || t == "\"-\"" {
                    return UaClass::Empty;
                }
                let mut class = UaClass::Normal;
                for m in AUTOMATA.1.find_overlapping_iter(t) {
                    if m.pattern().as_usize() < BAD_UA.len() {
                        return UaClass::Bad;
                    }
                    class = UaClass::Library;
                }
                class
            }
        }
    }
}

impl Default for Classifier {
    fn default() -> Self {
        Self::new()
    }
}

fn ends_with_ci(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// O(1) fingerprint of a user agent (length and its first and last 8 bytes), so the
/// aho-corasick pass runs only when a client's user agent changes, not on every request.
#[inline]
pub fn ua_fingerprint(r: &Request<'_>) -> u64 {
    match r.user_agent.as_deref() {
        None => 1,
        Some(s) => {
            let b = s.as_bytes();
            let n = b.len();
            // Whole 8-byte words when there are 8 bytes (no copy call); else zero-padded.
            let (head, tail) = match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
                (Some(h), Some(t)) => (*h, *t),
                _ => {
                    let (mut head, mut tail) = ([0u8; 8], [0u8; 8]);
                    head[..n].copy_from_slice(b);
                    tail[..n].copy_from_slice(b);
                    (head, tail)
                }
            };
            mix64(u64::from_le_bytes(head) ^ u64::from_le_bytes(tail).rotate_left(17) ^ n as u64)
                | 2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn path_classes() {
        let c = Classifier::new();
        assert_eq!(c.path("/login"), PathClass::Login);
        assert_eq!(c.path("/wp-login.php"), PathClass::Login);
        assert_eq!(c.path("/XMLRPC.php"), PathClass::Login);
        assert_eq!(c.path("/api/auth"), PathClass::Login);
        assert_eq!(c.path("/oauth/token"), PathClass::Login);
        assert_eq!(c.path("/user/login"), PathClass::Login);
        assert_eq!(c.path("/v1/auth/"), PathClass::Login);
        assert_eq!(c.path("/author/jane"), PathClass::Plain);
        assert_eq!(c.path("/products/42"), PathClass::Plain);
        assert_eq!(c.path("/.env"), PathClass::Sensitive);
        assert_eq!(c.path("/.git/config"), PathClass::Sensitive);
        assert_eq!(c.path("/phpMyAdmin/index.php"), PathClass::Sensitive);
        assert_eq!(c.path("/login/.env"), PathClass::Sensitive);
        let mut c = c;
        for _ in 0..2 {
            for (p, want) in [
                ("/login", PathClass::Login),
                ("/.env", PathClass::Sensitive),
                ("/a", PathClass::Plain),
                ("/login/", PathClass::Login),
            ] {
                assert_eq!(c.path_cached(p, path_hash(p)), want, "{p}");
            }
        }
    }

    #[test]
    fn ua_classes() {
        let c = Classifier::new();
        let mut r = Request {
            format: Format::Combined,
            ..Default::default()
        };
        assert_eq!(c.user_agent(&r), UaClass::Empty);
        r.format = Format::Common;
        assert_eq!(c.user_agent(&r), UaClass::Normal);
        r.format = Format::Alb;
        r.user_agent = Some(Cow::Borrowed("-"));
        assert_eq!(c.user_agent(&r), UaClass::Empty);
        r.user_agent = Some(Cow::Borrowed("sqlmap/1.7.2#stable (https://sqlmap.org)"));
        assert_eq!(c.user_agent(&r), UaClass::Bad);
        r.user_agent = Some(Cow::Borrowed("python-requests/2.31.0"));
        assert_eq!(c.user_agent(&r), UaClass::Library);
        r.user_agent = Some(Cow::Borrowed(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        ));
        assert_eq!(c.user_agent(&r), UaClass::Normal);
    }

    #[test]
    fn cached_agent_classes_match_uncached() {
        let mut c = Classifier::new();
        let agents = [
            None,
            Some("-"),
            Some("  "),
            Some("sqlmap/1.7.2#stable (https://sqlmap.org)"),
            Some("python-requests/2.31.0"),
            Some(" python-requests/2.31.0 "),
            Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"),
            Some("curl/8.4.0"),
        ];
        let mut r = Request {
            format: Format::Combined,
            ..Default::default()
        };
        let mut seen = Vec::new();
        // Twice: the second round is answered from the cache.
        for _ in 0..2 {
            for ua in agents {
                r.user_agent = ua.map(Cow::Borrowed);
                let want = c.user_agent(&r);
                let agent = ua.map_or(0, crate::window::hash::hash_str);
                assert_eq!(c.user_agent_cached(&r, agent), want, "{ua:?}");
                seen.push(want);
            }
        }
        assert!(seen.contains(&UaClass::Bad) && seen.contains(&UaClass::Library));
        assert!(seen.contains(&UaClass::Empty) && seen.contains(&UaClass::Normal));
        assert!(c.ua_cache.iter().filter(|&&e| e != 0).count() >= 4);
    }

    #[test]
    fn keys_and_fingerprints_differ() {
        let a = Request {
            client_ip: Some("10.0.0.1".parse().unwrap()),
            ..Default::default()
        };
        let b = Request {
            client_ip: Some("10.0.0.2".parse().unwrap()),
            ..Default::default()
        };
        let h = Request {
            client_host: Some(Cow::Borrowed("crawler.example.com")),
            ..Default::default()
        };
        assert_ne!(client_key(&a), client_key(&b));
        assert_ne!(client_key(&a), client_key(&h));
        assert_eq!(path_hash("/a/b/"), path_hash("/a/b"));
        assert_ne!(path_hash("/item/1"), path_hash("/item/2"));
        let mut u1 = a.clone();
        u1.user_agent = Some(Cow::Borrowed("curl/8.0"));
        let mut u2 = a.clone();
        u2.user_agent = Some(Cow::Borrowed("curl/8.1"));
        assert_ne!(ua_fingerprint(&u1), ua_fingerprint(&u2));
        assert_ne!(ua_fingerprint(&a), ua_fingerprint(&u1));
    }
}
