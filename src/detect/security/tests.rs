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
    for c in [Category::Traversal, Category::CommandInjection, Category::Jndi, Category::Ssrf, Category::SensitiveFile, Category::Probe, Category::ScannerAgent] {
        assert!(per[c.name()].1 >= 20, "{} has {} payloads", c.name(), per[c.name()].1);
    }
    assert!(rate(Category::Sqli) >= 0.97, "sqli {}", rate(Category::Sqli));
    assert!(rate(Category::Xss) >= 0.97, "xss {}", rate(Category::Xss));
    for c in [Category::Traversal, Category::CommandInjection, Category::ScannerAgent, Category::Jndi, Category::Ssrf, Category::SensitiveFile, Category::Probe] {
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
            println!("FALSE {} ua={:?} ref={:?} -> {:?}", r.request_line(), r.user_agent, r.referrer, hits);
        }
    }
    let rate = bad as f64 / benign.len() as f64;
    println!("benign: {bad}/{} false = {:.2}%", benign.len(), 100.0 * rate);
    assert!(rate <= 0.002, "{bad} false hits");
}
