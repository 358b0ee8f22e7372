use super::corpus;
use super::*;
use crate::record::{Format, Request};
use std::borrow::Cow;

fn run(set: &RuleSet, r: &Request<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    set.check(r, &mut hits);
    hits
}

fn get(path: &str, query: Option<&str>, ua: Option<&str>) -> Request<'static> {
    Request {
        format: Format::Alb,
        method: Some(Cow::Borrowed("GET")),
        path: Some(Cow::Owned(path.to_string())),
        query: query.map(|q| Cow::Owned(q.to_string())),
        user_agent: ua.map(|u| Cow::Owned(u.to_string())),
        ..Request::default()
    }
}

/// The agent cache keyed by the caller's hash finds what unkeyed checks find, with real
/// hashes and with every agent in one slot (the slot's agent is compared in full).
#[test]
fn keyed_agent_cache_changes_nothing() {
    let set = RuleSet::builtin();
    let requests: Vec<_> = corpus::attacks()
        .into_iter()
        .map(|(_, r)| r)
        .chain(corpus::benign())
        .collect();
    assert!(requests.len() > 200);
    let (mut sc, mut sc0) = (Scratch::default(), Scratch::default());
    for r in &requests {
        let want = run(&set, r);
        let agent = r
            .user_agent
            .as_deref()
            .map_or(0, crate::window::hash::hash_str);
        for (sc, agent) in [(&mut sc, agent), (&mut sc0, 0)] {
            let mut hits = Vec::new();
            set.check_keyed(r, agent, sc, &mut hits);
            assert_eq!(hits, want, "{} ua={:?}", r.request_line(), r.user_agent);
        }
    }
}

/// Detection rate per category over the corpus; prints misses.
#[test]
fn corpus_detection_rates() {
    let set = RuleSet::builtin();
    let mut per: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (cat, r) in corpus::attacks() {
        let hits = run(&set, &r);
        let ok = hits.iter().any(|h| h.category == cat);
        let e = per.entry(cat.name()).or_default();
        e.1 += 1;
        if ok {
            e.0 += 1;
        } else {
            println!(
                "MISS {}: {} ua={:?} -> {:?}",
                cat.name(),
                r.request_line(),
                r.user_agent,
                hits
            );
        }
    }
    for (cat, (ok, n)) in &per {
        println!("{cat}: {ok}/{n} = {:.1}%", 100.0 * *ok as f64 / *n as f64);
    }
    let rate = |c: Category| {
        let (ok, n) = per[c.name()];
        ok as f64 / n as f64
    };
    assert!(per["sqli"].1 >= 40 && per["xss"].1 >= 40);
    for c in [
        Category::Traversal,
        Category::CommandInjection,
        Category::Jndi,
        Category::Ssrf,
        Category::SensitiveFile,
        Category::Probe,
        Category::ScannerAgent,
    ] {
        assert!(
            per[c.name()].1 >= 20,
            "{} has {} payloads",
            c.name(),
            per[c.name()].1
        );
    }
    assert!(
        rate(Category::Sqli) >= 0.97,
        "sqli {}",
        rate(Category::Sqli)
    );
    assert!(rate(Category::Xss) >= 0.97, "xss {}", rate(Category::Xss));
    for c in [
        Category::Traversal,
        Category::CommandInjection,
        Category::ScannerAgent,
        Category::Jndi,
        Category::Ssrf,
        Category::SensitiveFile,
        Category::Probe,
    ] {
        assert!(rate(c) >= 0.90, "{} {}", c.name(), rate(c));
    }
}

#[test]
fn corpus_benign_false_hits() {
    let set = RuleSet::builtin();
    let benign = corpus::benign();
    assert!(benign.len() >= 500, "{}", benign.len());
    let mut bad = 0;
    for r in &benign {
        let hits = run(&set, r);
        if !hits.is_empty() {
            bad += 1;
            println!(
                "FALSE {} ua={:?} ref={:?} -> {:?}",
                r.request_line(),
                r.user_agent,
                r.referrer,
                hits
            );
        }
    }
    let rate = bad as f64 / benign.len() as f64;
    println!(
        "benign: {bad}/{} false = {:.2}%",
        benign.len(),
        100.0 * rate
    );
    assert!(rate <= 0.002, "{bad} false hits");
}

#[test]
fn user_rules_example_file() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/example.toml"))
        .unwrap();
    let set = RuleSet::builtin().with_user_rules(&text).unwrap();
    assert_eq!(set.user_rule_count(), 4);
    let hits = run(&set, &get("/API/v1/users", None, Some("curl/8.0")));
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(&*hits[0].rule, "legacy-api");
    assert_eq!(hits[0].category, Category::Custom);
    assert_eq!(hits[0].severity, Severity::Low);
    assert_eq!(hits[0].field, "path");
    // Decoded before matching: `%5F` is `_`.
    let hits = run(&set, &get("/x/%5Fdebug/vars", None, None));
    assert_eq!(
        hits.iter().map(|h| &*h.rule).collect::<Vec<_>>(),
        ["internal-admin-from-outside"]
    );
    assert_eq!(hits[0].severity, Severity::High);
    let hits = run(&set, &get("/", None, Some("python-requests/2.31.0")));
    assert_eq!(
        hits.iter().map(|h| (&*h.rule, h.field)).collect::<Vec<_>>(),
        [("python-scraper", "user_agent")]
    );
    // At most one hit per category: the built-in scanner rule wins over the user rule.
    let hits = run(
        &set,
        &get("/api/v1/x", None, Some("python-requests/2 sqlmap/1.7")),
    );
    let mut rules: Vec<&str> = hits.iter().map(|h| &*h.rule).collect();
    rules.sort();
    assert_eq!(rules, ["legacy-api", "scanner-sqlmap"]);
    // Nothing on a plain request.
    assert!(
        run(
            &set,
            &get("/api/v2/users", Some("page=2"), Some("curl/8.0"))
        )
        .is_empty()
    );
}

#[test]
fn user_rules_uri_and_any() {
    let set = RuleSet::builtin()
        .with_user_rules(
            r#"
            [[rule]]
            id = "uri-rule"
            category = "custom"
            field = "uri"
            pattern = "/report\\?year=19\\d\\d"
            [[rule]]
            id = "any-rule"
            category = "probe"
            contains = ["canary-token-42"]
            "#,
        )
        .unwrap();
    let hits = run(&set, &get("/report", Some("year=1999"), None));
    assert_eq!(
        hits.iter()
            .map(|h| (&*h.rule, h.field, h.severity))
            .collect::<Vec<_>>(),
        [("uri-rule", "uri", Severity::Medium)]
    );
    let r = Request {
        referrer: Some(Cow::Borrowed("https://x.example/?t=CANARY-TOKEN-42")),
        ..get("/", None, None)
    };
    let hits = run(&set, &r);
    assert_eq!(
        hits.iter().map(|h| (&*h.rule, h.field)).collect::<Vec<_>>(),
        [("any-rule", "referrer")]
    );
}

#[test]
fn user_rules_errors_name_the_rule() {
    let err = |t: &str| {
        RuleSet::builtin()
            .with_user_rules(t)
            .unwrap_err()
            .to_string()
    };
    let e = err("[[rule]]\nid = \"a\"\ncategory = \"custom\"\npattern = \"x\"\nfeild = \"path\"\n");
    assert_eq!(
        e,
        "rule a: unknown field `feild` (expected id, category, severity, field, pattern, contains, description)"
    );
    let e = err("[[rule]]\nid = \"bad-re\"\ncategory = \"custom\"\npattern = \"(unclosed\"\n");
    assert!(e.starts_with("rule bad-re: bad regex in `pattern`:"), "{e}");
    let e = err("[[rule]]\nid = \"c\"\ncategory = \"sqlinjection\"\npattern = \"x\"\n");
    assert!(
        e.starts_with("rule c: unknown category `sqlinjection`"),
        "{e}"
    );
    let e = err(
        "[[rule]]\nid = \"d\"\ncategory = \"custom\"\nseverity = \"urgent\"\npattern = \"x\"\n",
    );
    assert!(e.starts_with("rule d: unknown severity `urgent`"), "{e}");
    let e =
        err("[[rule]]\nid = \"e\"\ncategory = \"custom\"\nfield = \"cookie\"\npattern = \"x\"\n");
    assert!(e.starts_with("rule e: unknown field name `cookie`"), "{e}");
    let e = err("[[rule]]\nid = \"f\"\ncategory = \"custom\"\n");
    assert_eq!(e, "rule f: needs exactly one of `pattern` or `contains`");
    let e =
        err("[[rule]]\nid = \"g\"\ncategory = \"custom\"\npattern = \"x\"\ncontains = [\"y\"]\n");
    assert_eq!(e, "rule g: needs exactly one of `pattern` or `contains`");
    let e = err("[[rule]]\ncategory = \"custom\"\npattern = \"x\"\n");
    assert_eq!(e, "rule #1: missing `id`");
    let e = err("[[rule]]\nid = \"h\"\ncategory = \"custom\"\ncontains = []\n");
    assert_eq!(e, "rule h: `contains` is empty or has an empty string");
    let e = err("[[rule]]\nid = \"i\"\ncategory = \"custom\"\ncontains = [1]\n");
    assert_eq!(e, "rule i: `contains` must be an array of strings");
    let e = err("[[rule]]\nid = \"j\"\ncategory = \"custom\"\npattern = 5\n");
    assert_eq!(e, "rule j: `pattern` must be a string");
    let e = err(
        "[[rule]]\nid = \"k\"\ncategory = \"custom\"\npattern = \"x\"\n[[rule]]\nid = \"k\"\ncategory = \"custom\"\npattern = \"y\"\n",
    );
    assert_eq!(e, "rule k: the id is used twice");
    let e = err("[rules]\nx = 1\n");
    assert!(e.contains("unknown top-level key `rules`"), "{e}");
    let e = err("[[rule]\nid=");
    assert!(e.starts_with("rules file is not valid TOML"), "{e}");
    // The second rule is named by position when it has no id.
    let e = err(
        "[[rule]]\nid = \"ok\"\ncategory = \"custom\"\npattern = \"x\"\n[[rule]]\nid = \"\"\ncategory = \"custom\"\npattern = \"y\"\n",
    );
    assert_eq!(e, "rule #2: `id` must be a non-empty string");
}

#[test]
fn one_hit_per_category_and_several_categories() {
    let set = RuleSet::builtin();
    // Two SQLi values and an XSS value: one sqli hit, one xss hit.
    let r = get(
        "/item",
        Some("a=1%20or%201=1&b=%27%20or%20%27x%27=%27x&c=%3Cscript%3Ealert(1)%3C/script%3E"),
        Some("sqlmap/1.7"),
    );
    let hits = run(&set, &r);
    let mut cats: Vec<&str> = hits.iter().map(|h| h.category.name()).collect();
    cats.sort();
    assert_eq!(cats, ["scanner_agent", "sqli", "xss"]);
}

#[test]
fn jndi_in_every_field() {
    let set = RuleSet::builtin();
    let cats = |r: &Request<'_>| {
        run(&set, r)
            .into_iter()
            .map(|h| (h.category, h.field))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cats(&get("/%24%7Bjndi:ldap://x/a%7D", None, None)),
        [(Category::Jndi, "path")]
    );
    assert_eq!(
        cats(&get("/", Some("x=${${lower:j}ndi:ldap://x/a}"), None)),
        [(Category::Jndi, "query")]
    );
    assert_eq!(
        cats(&get("/", None, Some("${jndi:ldap://x/a}"))),
        [(Category::Jndi, "user_agent")]
    );
    let r = Request {
        referrer: Some(Cow::Borrowed("${${::-j}ndi:rmi://x/a}")),
        ..get("/", None, None)
    };
    assert_eq!(cats(&r), [(Category::Jndi, "referrer")]);
}

#[test]
fn no_panic_on_odd_input() {
    let set = RuleSet::builtin();
    for s in [
        "%", "%%", "%u", "%u12", "%c0", "%e0%80", "${", "${${", "<", "'", "\"", "`", "$(", "..",
        "&", "=", "&&==", "\u{0}", "%00",
    ] {
        let r = get(s, Some(s), Some(s));
        let _ = run(&set, &r);
        let r = Request {
            method: Some(Cow::Borrowed(s)),
            referrer: Some(Cow::Borrowed(s)),
            ..Request::default()
        };
        let _ = run(&set, &r);
    }
}

/// CPU time of this thread in ns (from /proc, Linux only): the build machine is shared, so
/// wall time overstates the cost.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn rate(label: &str, n: usize, wall: f64, cpu: Option<(u64, u64)>) {
    print!(
        "{label}: wall {:.2} M req/s ({:.0} ns each)",
        n as f64 / wall / 1e6,
        wall * 1e9 / n as f64
    );
    if let Some((a, b)) = cpu {
        let c = (b - a) as f64;
        print!(
            "; on-CPU {:.2} M req/s ({:.0} ns each)",
            n as f64 / c * 1e3,
            c / n as f64
        );
    }
    println!();
}

/// Throughput of benign requests through `check`. Run with
/// `cargo test --release --lib --no-default-features bench_benign -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_benign() {
    let set = RuleSet::builtin();
    let reqs = corpus::benign();
    let mut sc = Scratch::default();
    let mut hits = Vec::new();
    let n = 2_000_000usize;
    let (t, c0) = (std::time::Instant::now(), cpu_ns());
    for i in 0..n {
        hits.clear();
        set.check_with(&reqs[i % reqs.len()], &mut sc, &mut hits);
        std::hint::black_box(&hits);
    }
    let cpu = c0.zip(cpu_ns());
    rate("benign corpus", n, t.elapsed().as_secs_f64(), cpu);
    // Typical browser traffic: path, sometimes a short query, a browser UA, a referrer.
    let typical: Vec<Request<'static>> = (0..64)
        .map(|i| Request {
            method: Some(Cow::Borrowed("GET")),
            path: Some(Cow::Owned(format!(
                "/blog/2024/post-{i}/images/photo-{i}.jpg"
            ))),
            query: (i % 4 == 0).then(|| Cow::Owned(format!("page={i}&sort=date"))),
            user_agent: Some(Cow::Borrowed(corpus::BENIGN_UAS[i % 6])),
            referrer: Some(Cow::Borrowed("https://www.example.com/blog/2024/")),
            ..Request::default()
        })
        .collect();
    let (t, c0) = (std::time::Instant::now(), cpu_ns());
    for i in 0..n {
        hits.clear();
        set.check_with(&typical[i % typical.len()], &mut sc, &mut hits);
        std::hint::black_box(&hits);
    }
    let cpu = c0.zip(cpu_ns());
    rate(
        "typical browser requests",
        n,
        t.elapsed().as_secs_f64(),
        cpu,
    );
}

/// Payloads from public cheat sheets (OWASP XSS filter evasion, sqlmap/PayloadsAllTheThings
/// styles) written down after the detectors and not used to tune them; the first run caught
/// 24/25 SQLi (missing `' OR EXISTS(`, since added) and 25/25 XSS.
#[test]
fn held_out_payloads() {
    let set = RuleSet::builtin();
    let sqli = [
        "1' AND '1'='1",
        "1 AND 1=1--",
        "' OR 'a'='a'--",
        "admin' or 1=1#",
        "1' or '1'='1'/*",
        "' or 1=1 limit 1 -- -+",
        "1' and 1=1 union select 1,database(),3--",
        "1 union select null,@@version",
        "1' AND (SELECT 1 FROM dual WHERE 1=1)='1",
        "'||(SELECT version())||'",
        "1' AND 2>1--",
        "-1' UNION SELECT table_name FROM all_tables--",
        "1 AND (SELECT 5 FROM (SELECT(SLEEP(3)))x)",
        "1'; WAITFOR DELAY '00:00:05'--",
        "1 rlike sleep(3)",
        "admin')--",
        "') or '1'='1'--",
        "1' GROUP BY 1,2,3--",
        "' and substring(@@version,1,1)='5",
        "1 or 'a'='a'",
        "' OR EXISTS(SELECT * FROM users)--",
        "1' and extractvalue(rand(),concat(0x3a,(select version())))--",
        "' UNION ALL SELECT NULL,CONCAT(0x71,0x71)--",
        "1 AND 3435=3435",
        "\") or (\"1\"=\"1",
    ];
    let xss = [
        "<img src=1 href=1 onerror=\"javascript:alert(1)\"></img>",
        "<svg><script>alert(1)</script></svg>",
        "<body onpageshow=alert(1)>",
        "<form><button formaction=javascript:alert(1)>X</button>",
        "<isindex type=image src=1 onerror=alert(1)>",
        "<iframe src=\"data:text/html,<script>alert(1)</script>\">",
        "<a onmouseover=alert(1)>x</a>",
        "<div onpointerover=\"alert(1)\">",
        "<style onload=alert(1)>",
        "<input onblur=alert(1) autofocus><input autofocus>",
        "<select autofocus onfocus=alert(1)>",
        "<textarea autofocus onfocus=alert(1)>",
        "<keygen autofocus onfocus=alert(1)>",
        "\"><img src=x onerror=confirm(1)>",
        "'\"><svg/onload=prompt(1)>",
        "<object data=\"data:text/html,<script>alert(1)</script>\">",
        "<embed src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
        "javascript:/*--></title></style></textarea></script><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
        "<BODY ONLOAD=alert('XSS')>",
        "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    ];
    let chk = |v: &str, c: Category| {
        let r = get("/x", Some(&format!("q={}", corpus::encode_value(v))), None);
        run(&set, &r).iter().any(|h| h.category == c)
    };
    let s = sqli.iter().filter(|v| chk(v, Category::Sqli)).count();
    let x = xss.iter().filter(|v| chk(v, Category::Xss)).count();
    for v in sqli {
        if !chk(v, Category::Sqli) {
            println!("miss sqli {v}");
        }
    }
    for v in xss {
        if !chk(v, Category::Xss) {
            println!("miss xss {v}");
        }
    }
    println!("held-out sqli {s}/{} xss {x}/{}", sqli.len(), xss.len());
    assert!(s * 100 >= sqli.len() * 96, "sqli {s}/{}", sqli.len());
    assert!(x * 100 >= xss.len() * 96, "xss {x}/{}", xss.len());
}

proptest::proptest! {
    /// Bad input never panics, whatever the bytes (escapes, quotes, lookups, high bytes).
    #[test]
    fn never_panics(
        path in "[/%.a-zA-Z0-9${}()<>'\"`;|&=+\\\\#@*-]{0,40}",
        query in "[%.a-zA-Z0-9${}()<>'\"`;|&=+ \\\\#@*:éı-]{0,60}",
        ua in "\\PC{0,40}",
    ) {
        let set = RuleSet::builtin();
        let r = Request {
            method: Some(Cow::Owned(path.clone())),
            referrer: Some(Cow::Owned(format!("https://x/?{query}"))),
            ..get(&path, Some(&query), Some(&ua))
        };
        let hits = run(&set, &r);
        // At most one hit per category.
        let mut cats: Vec<_> = hits.iter().map(|h| h.category).collect();
        cats.sort_by_key(|c| c.name());
        cats.dedup();
        proptest::prop_assert_eq!(cats.len(), hits.len());
    }
}

/// Whether some URL keyword occurs in `d`, the slow and obvious way.
fn any_keyword_naive(d: &[u8]) -> bool {
    super::rules::URL_KEYWORDS.iter().any(|k| {
        let p = k.pat.as_bytes();
        d.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p))
    })
}

/// The hand-walked keyword DFA agrees with a plain substring search: on every corpus path,
/// value and agent, benign or not.
#[test]
fn keyword_walk_matches_substring_search() {
    let set = RuleSet::builtin();
    let mut texts: Vec<String> = Vec::new();
    for (_, r) in corpus::attacks() {
        texts.extend(r.path.as_deref().map(str::to_string));
        texts.extend(r.query.as_deref().map(str::to_string));
    }
    texts.extend(corpus::BENIGN_PATHS.iter().map(|s| s.to_string()));
    texts.extend(corpus::BENIGN_VALUES.iter().map(|s| s.to_string()));
    let (mut yes, mut no) = (0, 0);
    for t in &texts {
        let want = any_keyword_naive(t.as_bytes());
        assert_eq!(set.any_keyword(t.as_bytes()), want, "{t}");
        if want { yes += 1 } else { no += 1 }
    }
    assert!(
        yes > 50 && no > 50,
        "both answers exercised: {yes} yes, {no} no"
    );
}

proptest::proptest! {
    #[test]
    fn keyword_walk_matches_substring_search_on_any_text(
        d in "([/._a-zA-Z0-9%-]{0,6}|wp-|admin|\\.env|\\.git|etc/passwd|phpmyadmin|\\.\\./){0,12}",
    ) {
        let set = RuleSet::builtin();
        proptest::prop_assert_eq!(set.any_keyword(d.as_bytes()), any_keyword_naive(d.as_bytes()));
    }
}

/// The idle set (security rules off) leaves the listed keywords and scanner names out, and
/// still takes user rules, so a mistake in a rules file shows whatever `--detect` says.
#[test]
fn idle_set_has_no_lists_but_takes_user_rules() {
    let scanner = get("/", None, Some("sqlmap/1.7"));
    assert!(!run(&RuleSet::builtin(), &scanner).is_empty());
    assert!(run(&RuleSet::idle(), &scanner).is_empty());
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/example.toml"))
        .unwrap();
    let set = RuleSet::idle().with_user_rules(&text).unwrap();
    assert_eq!(set.user_rule_count(), 4);
    assert!(RuleSet::idle().with_user_rules("[[rule]]\nid = 1").is_err());
}
