//! Trusted proxies and X-Forwarded-For: who the client really is when the logged peer is one
//! of our own proxies. The standard right-to-left walk: starting from the logged peer, while
//! the address is trusted, step to the next XFF entry to its left; the first untrusted
//! address is the client. Entries left of it are whatever the client sent (spoofable) and are
//! never believed. Per request: no allocation, a few comparisons per trusted range.

use crate::parse::lex;
use crate::record::Request;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

/// An address range, `10.0.0.0/8`, `2001:db8::/32`, or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// IPv4 ranges are kept as IPv4-mapped IPv6 (`::ffff:a.b.c.d`, prefix + 96), so one
    /// compare covers both families.
    net: u128,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let a = mapped(ip);
        let mask = if self.prefix == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(self.prefix))
        };
        a & mask == self.net
    }
}

fn mapped(ip: IpAddr) -> u128 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an address or CIDR range"))?;
        let ip = ip.to_canonical();
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let len: u8 = match len {
            None => max,
            Some(l) => match l.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("`{s}`: prefix length must be 0..={max}")),
            },
        };
        let prefix = if ip.is_ipv4() { len + 96 } else { len };
        let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
        let net = mapped(ip);
        if net & mask != net {
            return Err(format!(
                "`{s}`: host bits set (did you mean the network address?)"
            ));
        }
        Ok(Cidr { net, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = std::net::Ipv6Addr::from(self.net);
        match v6.to_ipv4_mapped() {
            Some(v4) if self.prefix >= 96 => write!(f, "{v4}/{}", self.prefix - 96),
            _ => write!(f, "{v6}/{}", self.prefix),
        }
    }
}

/// The trusted-proxy list, applied once per request between parse and engine. Cheap to clone
/// (shared), empty by default (then it does nothing).
#[derive(Debug, Clone, Default)]
pub struct ClientResolver {
    trusted: Arc<[Cidr]>,
}

impl ClientResolver {
    pub fn new(trusted: Vec<Cidr>) -> ClientResolver {
        ClientResolver {
            trusted: trusted.into(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.trusted.is_empty()
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }

    /// The real client of `r` when its peer is trusted and it carries X-Forwarded-For:
    /// the right-most XFF address that is not trusted; the left-most address when the whole
    /// chain is trusted; the last trusted address when an entry is not an address (nothing
    /// left of garbage can be believed). Replaces `client_ip` (and drops the proxy's port).
    pub fn resolve(&self, r: &mut Request<'_>) {
        if self.trusted.is_empty() {
            return;
        }
        let (Some(peer), Some(xff)) = (r.client_ip, r.forwarded_for.as_deref()) else {
            return;
        };
        if !self.is_trusted(peer) {
            return;
        }
        let mut client = peer;
        for entry in xff.rsplit(',') {
            let Some(ip) = entry_ip(entry) else { break };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        if client != peer {
            r.client_ip = Some(client);
            r.client_port = None;
            r.client_host = None;
        }
    }
}

/// One XFF entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`, with spaces around.
fn entry_ip(e: &str) -> Option<IpAddr> {
    let e = e.trim_matches(|c| c == ' ' || c == '\t');
    lex::ip(e).or_else(|| lex::ip(lex::split_host_port(e).0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn resolver(list: &[&str]) -> ClientResolver {
        ClientResolver::new(list.iter().map(|s| s.parse().unwrap()).collect())
    }

    fn client(res: &ClientResolver, peer: &str, xff: Option<&str>) -> String {
        let mut r = Request {
            client_ip: peer.parse().ok(),
            client_port: Some(4431),
            forwarded_for: xff.map(Cow::Borrowed),
            ..Default::default()
        };
        res.resolve(&mut r);
        if r.client_ip.map(|c| c.to_string()).as_deref() != Some(peer) {
            assert_eq!(r.client_port, None, "the proxy's port is not the client's");
        }
        r.client_ip.map_or("-".into(), |ip| ip.to_string())
    }

    #[test]
    fn cidr_parse_and_contains() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains("10.255.1.2".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(
            c.contains("::ffff:10.1.2.3".parse().unwrap()),
            "v4-mapped v6"
        );
        assert!(!c.contains("2001:db8::1".parse().unwrap()));
        assert_eq!(c.to_string(), "10.0.0.0/8");
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(one.to_string(), "192.0.2.7/32");
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        assert_eq!(v6.to_string(), "2001:db8::/32");
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!(
            !all.contains("2001:db8::1".parse().unwrap()),
            "v4 /0 is v4 only"
        );
        let any6: Cidr = "::/0".parse().unwrap();
        assert!(any6.contains("2001:db8::1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "10.0.0.1/8", "x", "10.0.0.0/", "::/129", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn right_most_untrusted_wins() {
        let res = resolver(&["10.0.0.0/8", "2001:db8:ff::/48"]);
        // Spoofed left-most entry: the client wrote `1.2.3.4`, our proxy appended the
        // address it saw.
        assert_eq!(
            client(&res, "10.0.0.2", Some("1.2.3.4, 198.51.100.7, 10.0.0.9")),
            "198.51.100.7"
        );
        assert_eq!(client(&res, "10.0.0.2", Some("203.0.113.5")), "203.0.113.5");
        // IPv6 clients and proxies, with brackets and ports.
        assert_eq!(
            client(
                &res,
                "2001:db8:ff::1",
                Some("[2001:db8:1::5]:5555, 2001:db8:ff::2")
            ),
            "2001:db8:1::5"
        );
        assert_eq!(
            client(&res, "10.0.0.2", Some(" 203.0.113.5:6000 ,10.0.0.3")),
            "203.0.113.5"
        );
    }

    #[test]
    fn untrusted_peer_or_no_xff_keeps_the_peer() {
        let res = resolver(&["10.0.0.0/8"]);
        assert_eq!(
            client(&res, "198.51.100.1", Some("1.2.3.4")),
            "198.51.100.1"
        );
        assert_eq!(client(&res, "10.0.0.2", None), "10.0.0.2");
        let none = ClientResolver::default();
        assert_eq!(client(&none, "10.0.0.2", Some("1.2.3.4")), "10.0.0.2");
    }

    #[test]
    fn all_trusted_chain_gives_the_left_most() {
        let res = resolver(&["10.0.0.0/8"]);
        assert_eq!(
            client(&res, "10.0.0.2", Some("10.1.1.1, 10.2.2.2")),
            "10.1.1.1"
        );
    }

    #[test]
    fn garbage_stops_the_walk() {
        let res = resolver(&["10.0.0.0/8"]);
        // `unknown` left of a trusted hop: stop at the last trusted address.
        assert_eq!(
            client(&res, "10.0.0.2", Some("1.2.3.4, unknown, 10.0.0.7")),
            "10.0.0.7"
        );
        assert_eq!(client(&res, "10.0.0.2", Some("garbage")), "10.0.0.2");
        assert_eq!(client(&res, "10.0.0.2", Some("")), "10.0.0.2");
        assert_eq!(client(&res, "10.0.0.2", Some(",,,")), "10.0.0.2");
        assert_eq!(client(&res, "10.0.0.2", Some("1.2.3.4,")), "10.0.0.2");
    }
}
