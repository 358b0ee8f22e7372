//! Block lists from flagged clients: an nginx `deny` include, AWS WAF IP sets, fail2ban log
//! lines, or CSV. One implementation serves `lbtop scan --export-blocklist` and the TUI.
//!
//! Only real addresses ever reach a list: a logged "client" is attacker-controlled text, and a
//! block list is pasted into firewall configs.

use crate::event::{Behavior, Category, Event};
use crate::record::{Micros, format_rfc3339};
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::net::IpAddr;

/// Default bound on the addresses one list holds; further clients are counted, not kept.
pub const DEFAULT_CAP: usize = 100_000;
/// AWS WAF holds at most 10,000 addresses per IP set.
pub const WAF_MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockFormat {
    Nginx,
    AwsWaf,
    Fail2ban,
    Csv,
}

impl BlockFormat {
    pub const ALL: [BlockFormat; 4] = [
        BlockFormat::Nginx,
        BlockFormat::AwsWaf,
        BlockFormat::Fail2ban,
        BlockFormat::Csv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlockFormat::Nginx => "nginx",
            BlockFormat::AwsWaf => "aws-waf",
            BlockFormat::Fail2ban => "fail2ban",
            BlockFormat::Csv => "csv",
        }
    }

    pub fn from_name(s: &str) -> Option<BlockFormat> {
        BlockFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }

    /// File extension of the default file name (`lbtop-blocklist.<ext>`).
    pub fn ext(self) -> &'static str {
        match self {
            BlockFormat::Nginx => "conf",
            BlockFormat::AwsWaf => "json",
            BlockFormat::Fail2ban => "log",
            BlockFormat::Csv => "csv",
        }
    }

    pub fn default_file(self) -> String {
        format!("lbtop-blocklist.{}", self.ext())
    }
}

/// `deny 203.0.113.9;`: the one nginx rule, for the TUI's popup and the include file.
pub fn nginx_deny(ip: IpAddr) -> String {
    format!("deny {ip};")
}

/// An address as AWS WAF wants it: CIDR, `/32` or `/128`.
pub fn waf_cidr(ip: IpAddr) -> String {
    let prefix = if ip.is_ipv4() { 32 } else { 128 };
    format!("{ip}/{prefix}")
}

/// A one-address WAF `Addresses` value, ready to paste.
pub fn waf_addresses(ip: IpAddr) -> String {
    format!("{{\"Addresses\": [\"{}\"]}}", waf_cidr(ip))
}

/// Ban one address now in a running fail2ban with the shipped `lbtop` jail.
pub fn fail2ban_banip(ip: IpAddr) -> String {
    format!("fail2ban-client set lbtop banip {ip}")
}

/// The client as an address, or `None` for anything else (a hostname, `-`, injected text).
/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address, so one client is one entry.
pub fn parse_ip(client: &str) -> Option<IpAddr> {
    let ip: IpAddr = client.trim().parse().ok()?;
    Some(ip.to_canonical())
}

/// An address block for `--blocklist-exclude` (the same ranges as `--trusted-proxy`).
pub use crate::ingest::proxy::Cidr;

/// Loopback, RFC 1918, link-local, CGNAT and IPv6 unique-local: usually a proxy or a health
/// check, rarely an attacker worth blocking at the edge. Flagged, not excluded.
pub fn is_private(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => {
            let s = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || (s & 0xfe00) == 0xfc00
                || (s & 0xffc0) == 0xfe80
        }
    }
}

/// Which events make a client flagged (`--blocklist-from client,security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sources {
    pub client: bool,
    pub security: bool,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            client: true,
            security: true,
        }
    }
}

impl Sources {
    pub fn parse(list: &[String]) -> Result<Sources, String> {
        let mut f = Sources {
            client: false,
            security: false,
        };
        for s in list.iter().flat_map(|s| s.split(',')) {
            match s.trim() {
                "client" => f.client = true,
                "security" => f.security = true,
                other => return Err(format!("`{other}`: expected client or security")),
            }
        }
        if !(f.client || f.security) {
            return Err("expected client, security or both".into());
        }
        Ok(f)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub from: Sources,
    pub exclude: Vec<Cidr>,
    pub cap: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            from: Sources::default(),
            exclude: Vec::new(),
            cap: DEFAULT_CAP,
        }
    }
}

/// One flagged client and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub ip: IpAddr,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub behaviours: BTreeSet<Behavior>,
    pub categories: BTreeSet<Category>,
    pub events: u64,
    /// The latest event's one-line summary (client events) or rule id (security events).
    pub summary: String,
}

impl Flagged {
    /// `flood, sqli`: the reasons, as fixed names (never logged text).
    pub fn reasons(&self) -> String {
        let mut r: Vec<&str> = self.behaviours.iter().map(|b| b.name()).collect();
        r.extend(self.categories.iter().map(|c| c.name()));
        r.join(", ")
    }
}

/// What was seen but not listed, for the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Events whose client is not an IP address.
    pub not_ip: u64,
    /// Events about excluded addresses.
    pub excluded: u64,
    /// Events about new addresses once the list was full.
    pub over_cap: u64,
}

/// The flagged clients of a run, deduplicated by address and bounded.
#[derive(Debug, Clone, Default)]
pub struct BlockList {
    opts: Options,
    entries: HashMap<IpAddr, Flagged>,
    pub dropped: Dropped,
}

impl BlockList {
    pub fn new(opts: Options) -> BlockList {
        BlockList {
            opts,
            entries: HashMap::new(),
            dropped: Dropped::default(),
        }
    }

    /// Takes a client or security event (others are ignored).
    pub fn observe(&mut self, ev: &Event) {
        match ev {
            Event::Client(c) if self.opts.from.client => {
                self.add(&c.client_ip, c.time.0, Some(c.behavior), None, &c.summary)
            }
            Event::Security(s) if self.opts.from.security => {
                self.add(&s.client_ip, s.time.0, None, Some(s.category), &s.rule)
            }
            _ => {}
        }
    }

    /// Adds one piece of evidence against `client`.
    pub fn add(
        &mut self,
        client: &str,
        time: Micros,
        behaviour: Option<Behavior>,
        category: Option<Category>,
        summary: &str,
    ) {
        let Some(ip) = parse_ip(client) else {
            self.dropped.not_ip += 1;
            return;
        };
        if self.opts.exclude.iter().any(|c| c.contains(ip)) {
            self.dropped.excluded += 1;
            return;
        }
        let full = self.entries.len() >= self.opts.cap;
        let e = match self.entries.get_mut(&ip) {
            Some(e) => e,
            None if full => {
                self.dropped.over_cap += 1;
                return;
            }
            None => self.entries.entry(ip).or_insert_with(|| Flagged {
                ip,
                first_seen: time,
                last_seen: time,
                behaviours: BTreeSet::new(),
                categories: BTreeSet::new(),
                events: 0,
                summary: String::new(),
            }),
        };
        e.first_seen = e.first_seen.min(time);
        if time >= e.last_seen || e.summary.is_empty() {
            e.summary = summary.to_string();
        }
        e.last_seen = e.last_seen.max(time);
        e.events += 1;
        e.behaviours.extend(behaviour);
        e.categories.extend(category);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries sorted by address (IPv4 first), so a list diffs cleanly between runs.
    pub fn entries(&self) -> Vec<&Flagged> {
        let mut v: Vec<&Flagged> = self.entries.values().collect();
        v.sort_by_key(|e| e.ip);
        v
    }

    /// Listed addresses in private / loopback ranges (see [`is_private`]).
    pub fn private_count(&self) -> usize {
        self.entries.keys().filter(|ip| is_private(**ip)).count()
    }

    /// Writes the list; `generated` is the wall time for headers.
    pub fn write(
        &self,
        format: BlockFormat,
        generated: Micros,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let entries = self.entries();
        match format {
            BlockFormat::Nginx => write_nginx(&entries, generated, out),
            BlockFormat::AwsWaf => write_waf(&entries, generated, out),
            BlockFormat::Fail2ban => write_fail2ban(&entries, out),
            BlockFormat::Csv => write_csv(&entries, out),
        }
    }

    /// Writes to `path` through a temporary file and a rename, so a reader (nginx reload,
    /// fail2ban) never sees half a list.
    pub fn write_file(
        &self,
        format: BlockFormat,
        generated: Micros,
        path: &std::path::Path,
    ) -> io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let mut f = io::BufWriter::new(std::fs::File::create(&tmp)?);
        self.write(format, generated, &mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

fn write_nginx(entries: &[&Flagged], generated: Micros, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "# lbtop block list, generated {}",
        format_rfc3339(generated)
    )?;
    writeln!(
        out,
        "# {} flagged clients; include this file in an http, server or location block.",
        entries.len()
    )?;
    for e in entries {
        writeln!(
            out,
            "{} # {} {}",
            nginx_deny(e.ip),
            format_rfc3339(e.last_seen),
            e.reasons()
        )?;
    }
    Ok(())
}

/// Two `CreateIPSet` inputs (AWS WAF keeps IPv4 and IPv6 in separate sets), under `IPSets`.
/// Each element works as `aws wafv2 create-ip-set --cli-input-json`, and its `Addresses` as
/// `update-ip-set --addresses`.
fn write_waf(entries: &[&Flagged], generated: Micros, out: &mut dyn Write) -> io::Result<()> {
    let mut sets = Vec::new();
    for (version, v4) in [("IPV4", true), ("IPV6", false)] {
        let addrs: Vec<String> = entries
            .iter()
            .filter(|e| e.ip.is_ipv4() == v4)
            .take(WAF_MAX_ADDRESSES)
            .map(|e| waf_cidr(e.ip))
            .collect();
        let suffix = if v4 { "ipv4" } else { "ipv6" };
        sets.push(serde_json::json!({
            "Name": format!("lbtop-blocklist-{suffix}"),
            "Scope": "REGIONAL",
            "IPAddressVersion": version,
            // WAF's description pattern allows letters, digits, spaces and `+=:#@/-,.`.
            "Description": format!("lbtop flagged clients, generated {}", format_rfc3339(generated)),
            "Addresses": addrs,
        }));
    }
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "IPSets": sets }))?;
    writeln!(out)
}

/// `2026-11-22 04:05:06 lbtop[123]: flagged 203.0.113.9 flood, sqli`, at the last time (UTC)
/// the client was flagged; `contrib/fail2ban/filter.d/lbtop.conf` matches it.
fn write_fail2ban(entries: &[&Flagged], out: &mut dyn Write) -> io::Result<()> {
    let pid = std::process::id();
    for e in entries {
        let t = format_rfc3339(e.last_seen - e.last_seen.rem_euclid(1_000_000));
        let t = t.trim_end_matches('Z').replacen('T', " ", 1);
        writeln!(out, "{t} lbtop[{pid}]: flagged {} {}", e.ip, e.reasons())?;
    }
    Ok(())
}

/// RFC 4180: quote a field holding a comma, quote or line break, doubling quotes.
/// A leading `=`, `+`, `-` or `@` gets a `'` so a spreadsheet shows text, not a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn write_csv(entries: &[&Flagged], out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"ip,first_seen,last_seen,behaviours,categories,events,summary\r\n")?;
    for e in entries {
        let b: Vec<&str> = e.behaviours.iter().map(|b| b.name()).collect();
        let c: Vec<&str> = e.categories.iter().map(|c| c.name()).collect();
        write!(
            out,
            "{},{},{},{},{},{},{}\r\n",
            e.ip,
            format_rfc3339(e.first_seen),
            format_rfc3339(e.last_seen),
            csv_field(&b.join(" ")),
            csv_field(&c.join(" ")),
            e.events,
            csv_field(&e.summary)
        )?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests_blocklist.rs"]
mod tests;
