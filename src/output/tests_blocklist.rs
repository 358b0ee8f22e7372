use super::*;
use crate::event::{ClientEvent, LogTime, SecurityEvent, Severity};

const T0: Micros = 1_795_320_000_000_000; // 2026-11-22T04:00:00Z

fn client(ip: &str, t: Micros, b: Behavior, summary: &str) -> Event {
    Event::Client(ClientEvent {
        time: LogTime(t),
        client_ip: ip.into(),
        behavior: b,
        summary: summary.into(),
        requests: 100,
        path: None,
        clients: None,
    })
}

fn security(ip: &str, t: Micros, c: Category) -> Event {
    Event::Security(SecurityEvent {
        time: LogTime(t),
        client_ip: ip.into(),
        category: c,
        rule: "rule-x".into(),
        severity: Severity::High,
        request: "GET / HTTP/1.1".into(),
        field: "path".into(),
        source: "-".into(),
        line: 1,
    })
}

fn text(list: &BlockList, f: BlockFormat) -> String {
    let mut v = Vec::new();
    list.write(f, T0, &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

#[test]
fn deduplicates_and_merges_reasons() {
    let mut l = BlockList::new(Options::default());
    l.observe(&client(
        "203.0.113.9",
        T0 + 5_000_000,
        Behavior::Flood,
        "flood a",
    ));
    l.observe(&security("203.0.113.9", T0, Category::Sqli));
    l.observe(&client(
        "203.0.113.9",
        T0 + 9_000_000,
        Behavior::Scanner,
        "scan b",
    ));
    l.observe(&client(
        "::ffff:203.0.113.9",
        T0 + 1_000_000,
        Behavior::Flood,
        "old",
    ));
    assert_eq!(l.len(), 1, "mapped IPv6 is the same client");
    let e = l.entries()[0];
    assert_eq!(e.events, 4);
    assert_eq!(e.first_seen, T0);
    assert_eq!(e.last_seen, T0 + 9_000_000);
    assert_eq!(e.summary, "scan b", "latest summary wins");
    assert_eq!(e.reasons(), "flood, scanner, sqli");
}

#[test]
fn never_lists_non_ip_clients() {
    let mut l = BlockList::new(Options::default());
    for bad in [
        "1.2.3.4; allow all",
        "-",
        "example.com",
        "",
        "1.2.3.4/8",
        "1.2.3.4\n",
    ] {
        l.observe(&client(bad, T0, Behavior::Flood, "x"));
    }
    // A trailing newline trims to a valid address; the others are counted.
    assert_eq!(l.len(), 1);
    assert_eq!(l.dropped.not_ip, 5);
}

#[test]
fn from_filter_and_exclusions() {
    let opts = Options {
        from: Sources::parse(&["security".into()]).unwrap(),
        exclude: vec![
            "10.0.0.0/8".parse::<Cidr>().unwrap(),
            "2001:db8::/32".parse::<Cidr>().unwrap(),
        ],
        cap: 10,
    };
    let mut l = BlockList::new(opts);
    l.observe(&client("198.51.100.1", T0, Behavior::Flood, "x"));
    l.observe(&security("10.1.2.3", T0, Category::Xss));
    l.observe(&security("2001:db8:1::5", T0, Category::Xss));
    l.observe(&security("2001:db9::5", T0, Category::Xss));
    l.observe(&security("11.0.0.1", T0, Category::Xss));
    let ips: Vec<String> = l.entries().iter().map(|e| e.ip.to_string()).collect();
    assert_eq!(ips, ["11.0.0.1", "2001:db9::5"]);
    assert_eq!(l.dropped.excluded, 2);
    assert!(Sources::parse(&["client,bogus".into()]).is_err());
    assert_eq!(
        Sources::parse(&["client".into(), "security".into()]).unwrap(),
        Sources::default()
    );
}

#[test]
fn cidr_parse_and_contains() {
    let c = "192.168.0.0/16".parse::<Cidr>().unwrap();
    assert!(c.contains("192.168.255.1".parse().unwrap()));
    assert!(!c.contains("192.169.0.1".parse().unwrap()));
    assert!(c.contains("::ffff:192.168.1.1".parse().unwrap()));
    assert!(
        "0.0.0.0/0"
            .parse::<Cidr>()
            .unwrap()
            .contains("8.8.8.8".parse().unwrap())
    );
    assert!(
        !"0.0.0.0/0"
            .parse::<Cidr>()
            .unwrap()
            .contains("::1".parse().unwrap())
    );
    assert!(
        "1.2.3.4"
            .parse::<Cidr>()
            .unwrap()
            .contains("1.2.3.4".parse().unwrap())
    );
    assert!(
        !"1.2.3.4"
            .parse::<Cidr>()
            .unwrap()
            .contains("1.2.3.5".parse().unwrap())
    );
    assert!("1.2.3.4/33".parse::<Cidr>().is_err());
    assert!("fe80::/129".parse::<Cidr>().is_err());
    assert!("nope/8".parse::<Cidr>().is_err());
    assert_eq!("fc00::/7".parse::<Cidr>().unwrap().to_string(), "fc00::/7");
}

#[test]
fn cap_bounds_the_list_and_counts_the_rest() {
    let mut l = BlockList::new(Options {
        cap: 3,
        ..Options::default()
    });
    for i in 0..10 {
        l.observe(&client(
            &format!("198.51.100.{i}"),
            T0,
            Behavior::Flood,
            "x",
        ));
    }
    // Known clients still update once full.
    l.observe(&client("198.51.100.0", T0 + 1, Behavior::Scraper, "y"));
    assert_eq!(l.len(), 3);
    assert_eq!(l.dropped.over_cap, 7);
    assert_eq!(l.entries()[0].events, 2);
}

#[test]
fn private_ranges_are_counted() {
    let mut l = BlockList::new(Options::default());
    for ip in [
        "10.0.0.1",
        "172.16.5.5",
        "192.168.1.1",
        "127.0.0.1",
        "100.64.0.1",
        "fd00::1",
        "fe80::1",
        "8.8.8.8",
        "2001:db8::1",
    ] {
        l.observe(&client(ip, T0, Behavior::Flood, "x"));
    }
    assert_eq!(l.len(), 9);
    assert_eq!(l.private_count(), 7);
}

#[test]
fn nginx_include() {
    let mut l = BlockList::new(Options::default());
    l.observe(&client("2001:db8::7", T0 + 1_000_000, Behavior::Flood, "x"));
    l.observe(&security("203.0.113.9", T0 + 66_000_000, Category::Sqli));
    let t = text(&l, BlockFormat::Nginx);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "# lbtop block list, generated 2026-11-22T04:00:00Z"
    );
    assert!(lines[1].starts_with("# 2 flagged clients"));
    assert_eq!(lines[2], "deny 203.0.113.9; # 2026-11-22T04:01:06Z sqli");
    assert_eq!(lines[3], "deny 2001:db8::7; # 2026-11-22T04:00:01Z flood");
    assert_eq!(lines.len(), 4);
}

#[test]
fn aws_waf_ip_sets_split_by_version() {
    let mut l = BlockList::new(Options::default());
    l.observe(&client("203.0.113.9", T0, Behavior::Flood, "x"));
    l.observe(&client("198.51.100.1", T0, Behavior::Flood, "x"));
    l.observe(&client("2001:db8::7", T0, Behavior::Flood, "x"));
    let v: serde_json::Value = serde_json::from_str(&text(&l, BlockFormat::AwsWaf)).unwrap();
    let sets = v["IPSets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0]["IPAddressVersion"], "IPV4");
    assert_eq!(sets[0]["Name"], "lbtop-blocklist-ipv4");
    assert_eq!(sets[0]["Scope"], "REGIONAL");
    assert_eq!(
        sets[0]["Addresses"],
        serde_json::json!(["198.51.100.1/32", "203.0.113.9/32"])
    );
    assert_eq!(sets[1]["IPAddressVersion"], "IPV6");
    assert_eq!(sets[1]["Addresses"], serde_json::json!(["2001:db8::7/128"]));
}

#[test]
fn fail2ban_lines() {
    let mut l = BlockList::new(Options::default());
    l.observe(&client(
        "203.0.113.9",
        T0 + 306_500_000,
        Behavior::Flood,
        "x",
    ));
    l.observe(&security("203.0.113.9", T0, Category::Traversal));
    let t = text(&l, BlockFormat::Fail2ban);
    let pid = std::process::id();
    assert_eq!(
        t,
        format!("2026-11-22 04:05:06 lbtop[{pid}]: flagged 203.0.113.9 flood, traversal\n")
    );
}

#[test]
fn csv_rfc4180() {
    let mut l = BlockList::new(Options::default());
    l.observe(&client(
        "203.0.113.9",
        T0,
        Behavior::Scraper,
        "scraped \"/a,b\"\nnext",
    ));
    l.observe(&client("198.51.100.1", T0, Behavior::Flood, "=cmd|calc"));
    l.observe(&security("198.51.100.1", T0 + 1_000_000, Category::Sqli));
    let t = text(&l, BlockFormat::Csv);
    assert_eq!(
        t,
        "ip,first_seen,last_seen,behaviours,categories,events,summary\r\n\
         198.51.100.1,2026-11-22T04:00:00Z,2026-11-22T04:00:01Z,flood,sqli,2,rule-x\r\n\
         203.0.113.9,2026-11-22T04:00:00Z,2026-11-22T04:00:00Z,scraper,,1,\"scraped \"\"/a,b\"\"\nnext\"\r\n"
    );
    assert_eq!(csv_field("=1+2"), "'=1+2");
    assert_eq!(csv_field("plain"), "plain");
}

#[test]
fn single_rules_and_formats() {
    let ip: IpAddr = "203.0.113.7".parse().unwrap();
    assert_eq!(nginx_deny(ip), "deny 203.0.113.7;");
    assert_eq!(waf_addresses(ip), "{\"Addresses\": [\"203.0.113.7/32\"]}");
    assert_eq!(
        fail2ban_banip(ip),
        "fail2ban-client set lbtop banip 203.0.113.7"
    );
    for f in BlockFormat::ALL {
        assert_eq!(BlockFormat::from_name(f.name()), Some(f));
    }
    assert_eq!(BlockFormat::from_name("AWS-WAF"), Some(BlockFormat::AwsWaf));
    assert_eq!(BlockFormat::from_name("iptables"), None);
    assert_eq!(BlockFormat::Csv.default_file(), "lbtop-blocklist.csv");
}

#[test]
fn write_file_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("list.conf");
    std::fs::write(&p, "old").unwrap();
    let mut l = BlockList::new(Options::default());
    l.observe(&client("203.0.113.9", T0, Behavior::Flood, "x"));
    l.write_file(BlockFormat::Nginx, T0, &p).unwrap();
    let t = std::fs::read_to_string(&p).unwrap();
    assert!(t.contains("deny 203.0.113.9;"));
    assert!(!dir.path().join("list.conf.tmp").exists());
}
