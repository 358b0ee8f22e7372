use super::*;
use crate::cli::Cli;
use clap::CommandFactory;

fn all_keys() -> Vec<Key> {
    keys(&Cli::command())
}

fn find<'k>(keys: &'k [Key], table: Option<&str>, name: &str) -> &'k Key {
    keys.iter()
        .find(|k| k.table.as_deref() == table && k.name == name)
        .unwrap_or_else(|| panic!("no key {table:?} {name}"))
}

fn load_text(text: &str) -> Result<ConfigFile, String> {
    parse(Path::new("config.toml"), text, &all_keys())
}

fn args(a: &[&str]) -> Vec<OsString> {
    a.iter().map(OsString::from).collect()
}

#[test]
fn keys_come_from_the_clap_definitions() {
    let k = all_keys();
    let w = find(&k, None, "window");
    assert_eq!(
        (w.kind, w.multi, w.defaults.clone()),
        (Kind::Int, false, vec!["10".into()])
    );
    let tp = find(&k, None, "trusted-proxy");
    assert_eq!((tp.kind, tp.multi), (Kind::Str, true));
    assert_eq!(find(&k, None, "paths").kind, Kind::Str);
    assert_eq!(find(&k, Some("scan"), "windows").kind, Kind::Bool);
    assert_eq!(find(&k, Some("scan"), "output").defaults, vec!["json"]);
    assert_eq!(find(&k, Some("replay"), "speed").kind, Kind::Float);
    let seeds = find(&k, Some("eval"), "seeds");
    assert_eq!((seeds.kind, seeds.multi), (Kind::Int, true));
    assert_eq!(
        seeds.defaults,
        vec!["1", "2", "3"],
        "delimited default split"
    );
    assert_eq!(find(&k, Some("sim"), "out-format").id, "out_format");
    // Globals are top-level only; config-file options and help are not keys.
    assert!(!k.iter().any(|k| k.table.is_some() && k.name == "window"));
    for name in ["config", "no-config", "help", "version"] {
        assert!(!k.iter().any(|k| k.name == name), "{name}");
    }
    for table in ["config", "completions", "man"] {
        assert!(
            !k.iter().any(|k| k.table.as_deref() == Some(table)),
            "{table}"
        );
    }
}

#[test]
fn values_map_to_command_line_spellings() {
    let c = load_text(
        "# comment\n\
         window = 0x3c\n\
         trusted_proxy = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n\
         sensitivity = 2\n\
         path-pattern = '^/u/[^/]+=>/u/:user'\n\
         [replay]\n\
         from = 2026-11-22T02:10:00Z\n\
         speed = 3\n\
         [eval]\n\
         seeds = [4, 5]\n",
    )
    .unwrap();
    let get = |t: Option<&str>, id: &str| c.get(t, id).map(|s| (s.values.clone(), s.line));
    assert_eq!(get(None, "window"), Some((vec!["60".into()], 2)));
    assert_eq!(
        get(None, "trusted_proxy"),
        Some((vec!["10.0.0.0/8".into(), "2001:db8::/32".into()], 3))
    );
    assert_eq!(get(None, "sensitivity"), Some((vec!["2".into()], 4)));
    assert_eq!(
        get(None, "path_pattern").unwrap().0,
        vec!["^/u/[^/]+=>/u/:user"],
        "a single value for a list key"
    );
    assert_eq!(
        get(Some("replay"), "from"),
        Some((vec!["2026-11-22T02:10:00Z".into()], 7))
    );
    assert_eq!(get(Some("replay"), "speed").unwrap().0, vec!["3"]);
    assert_eq!(get(Some("eval"), "seeds").unwrap().0, vec!["4", "5"]);
}

#[test]
fn errors_name_the_line_and_the_key() {
    let e = load_text("window = 30\n\n[scan]\nfollow = true\n\nwindw = 5\n").unwrap_err();
    assert_eq!(
        e,
        "config.toml:6: unknown key `windw` in [scan] (did you mean the top-level key `window`?)"
    );
    let e = load_text("[scan]\nwindwos = true\n").unwrap_err();
    assert_eq!(
        e,
        "config.toml:2: unknown key `windwos` in [scan] (did you mean `windows`?)"
    );
    let e = load_text("\n\nwindow = 0\n").unwrap_err();
    assert_eq!(e, "config.toml:3: window = 0: 0 is not in 1..=3600");
    let e = load_text("threads = \"four\"\n").unwrap_err();
    assert_eq!(e, "config.toml:1: threads = \"four\": expected an integer");
    let e = load_text("[scan]\nfollow = \"yes\"\n").unwrap_err();
    assert_eq!(e, "config.toml:2: follow = \"yes\": expected true or false");
    let e = load_text("window = [10]\n").unwrap_err();
    assert_eq!(
        e,
        "config.toml:1: window = [10]: expected an integer, not a list"
    );
    let e = load_text("[scan]\noutput = \"xml\"\n").unwrap_err();
    assert_eq!(
        e,
        "config.toml:2: output = \"xml\": must be one of: json, text"
    );
    let e = load_text("trusted-proxy = [\"10.0.0.0/8\", \"10.0.0.1/8\"]\n").unwrap_err();
    assert!(
        e.starts_with("config.toml:1: trusted-proxy = [\"10.0.0.0/8\", \"10.0.0.1/8\"]: "),
        "{e}"
    );
    assert!(e.contains("host bits"), "{e}");
    let e = load_text("sensitivity = \"loud\"\n").unwrap_err();
    assert!(
        e.starts_with("config.toml:1: sensitivity = \"loud\": "),
        "{e}"
    );
    let e = load_text("\n[sacn]\nfollow = true\n").unwrap_err();
    assert_eq!(
        e,
        "config.toml:2: unknown table [sacn] (did you mean [scan]?)"
    );
    let e = load_text("[scan]\nwindow = 60\n").unwrap_err();
    assert!(
        e.starts_with("config.toml:2: `window` does not belong in [scan]"),
        "{e}"
    );
    let e = load_text("speed = 2\n").unwrap_err();
    assert!(e.contains("it is a key of [replay], [demo]"), "{e}");
    let e = load_text("window = 10\nwindow_ = 1\ntrusted_proxy = []\ntrusted-proxy = []\n")
        .unwrap_err();
    assert!(e.contains("config.toml:2: unknown key `window_`"), "{e}");
    assert!(
        e.contains("config.toml:4: `trusted-proxy` is set twice (also on line 3)"),
        "{e}"
    );
    // Every error, in line order.
    let e = load_text("threads = 0.5\nbogus = 1\n").unwrap_err();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("config.toml:1: threads"));
    assert!(lines[1].starts_with("config.toml:2: unknown key `bogus` at the top level"));
    // TOML syntax errors carry their line.
    let e = load_text("window = 10\nformat = \n").unwrap_err();
    assert!(e.starts_with("config.toml:2: "), "{e}");
}

#[test]
fn locate_reads_the_raw_arguments() {
    assert_eq!(
        locate(&args(&["lbtop", "scan", "--config", "a.toml", "x.log"])),
        Location::Explicit("a.toml".into())
    );
    assert_eq!(
        locate(&args(&["lbtop", "--config=b.toml"])),
        Location::Explicit("b.toml".into())
    );
    assert_eq!(
        locate(&args(&["lbtop", "--config", "a.toml", "--no-config"])),
        Location::None
    );
    // After `--` everything is a path.
    let l = locate(&args(&["lbtop", "scan", "--", "--config", "x"]));
    assert!(!matches!(l, Location::Explicit(_)), "{l:?}");
}

fn effective_for(config: Option<&Path>, cli: &[&str]) -> (crate::cmd::Loaded, String) {
    let mut a = vec!["lbtop"];
    let p;
    match config {
        Some(path) => {
            p = path.to_string_lossy().into_owned();
            a.extend(["--config", p.as_str()]);
        }
        None => a.push("--no-config"),
    }
    a.extend(cli);
    let l = crate::cmd::load(&args(&a)).unwrap();
    let text = print::effective(&l.keys, l.config.as_ref(), Some(&l.matches));
    (l, text)
}

#[test]
fn config_values_are_defaults_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "window = 60\nsensitivity = \"high\"\n[scan]\nwindows = true\noutput = \"text\"\n",
    )
    .unwrap();
    let (l, _) = effective_for(Some(&path), &["scan", "x.log"]);
    assert_eq!(l.cli.common.window, 60);
    assert_eq!(l.cli.common.sensitivity, Sensitivity::HIGH);
    let Some(crate::cli::Command::Scan(s)) = &l.cli.command else {
        panic!("scan")
    };
    assert!(s.windows);
    assert_eq!(s.output, crate::cli::Output::Text);
    assert_eq!(s.paths, vec!["x.log"]);

    let (l, _) = effective_for(
        Some(&path),
        &["scan", "--window", "5", "--output", "json", "y"],
    );
    assert_eq!(l.cli.common.window, 5);
    let Some(crate::cli::Command::Scan(s)) = &l.cli.command else {
        panic!("scan")
    };
    assert_eq!(s.output, crate::cli::Output::Json);

    let (l, _) = effective_for(None, &["scan", "x.log"]);
    assert_eq!(l.cli.common.window, 10, "--no-config: built-in default");
}

#[test]
fn print_shows_sources_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "window = 60\ntrusted-proxy = [\"10.0.0.0/8\"]\n[eval]\nseeds = [4, 5]\n[scan]\nfollow = true\n",
    )
    .unwrap();
    let (_, text) = effective_for(Some(&path), &["--threads", "3", "config", "--print"]);
    assert!(text.contains("\nwindow = 60  # config file\n"), "{text}");
    assert!(text.contains("\nthreads = 3  # command line\n"), "{text}");
    assert!(
        text.contains("\n# sensitivity = \"normal\"  # default\n"),
        "{text}"
    );
    assert!(text.contains("\n# format = \"\"  # not set\n"), "{text}");
    assert!(
        text.contains("\n[eval]\nseeds = [4, 5]  # config file\n"),
        "{text}"
    );
    assert!(
        text.contains("\ntrusted-proxy = [\"10.0.0.0/8\"]  # config file\n"),
        "{text}"
    );
    assert!(text.contains("\n[scan]\n"), "{text}");
    assert!(text.contains("\nfollow = true  # config file\n"), "{text}");

    // Saved and read back: the same settings, the command-line one now from the file.
    let again = dir.path().join("again.toml");
    std::fs::write(&again, &text).unwrap();
    let (_, text2) = effective_for(Some(&again), &["config", "--print"]);
    assert_eq!(
        text2,
        text.replace("threads = 3  # command line", "threads = 3  # config file")
    );
    let third = dir.path().join("third.toml");
    std::fs::write(&third, &text2).unwrap();
    let (_, text3) = effective_for(Some(&third), &["config", "--print"]);
    assert_eq!(text3, text2);
}

#[test]
fn template_is_valid_and_complete() {
    let k = all_keys();
    let t = print::template(&k);
    let c = parse(Path::new("t.toml"), &t, &k).unwrap();
    assert!(c.settings.is_empty(), "everything is commented out");
    for key in &k {
        assert!(t.contains(&format!("# {} = ", key.name)), "{}", key.name);
    }
    // Uncommenting a line gives a valid setting.
    let t = t.replacen("# window = 10", "window = 10", 1);
    let c = parse(Path::new("t.toml"), &t, &k).unwrap();
    assert_eq!(c.settings.len(), 1);
}

#[test]
fn engine_config_carries_patterns_and_sensitivity() {
    use crate::engine::Engine;
    use crate::record::{MICROS_PER_SEC, Request};
    use std::borrow::Cow;
    let l = crate::cmd::load(&args(&[
        "lbtop",
        "--no-config",
        "--path-pattern",
        "^/u/[^/]+=>/u/:user",
        "--sensitivity",
        "high",
        "--window",
        "30",
        "scan",
        "x",
    ]))
    .unwrap();
    let cfg = crate::cmd::engine_config(&l.cli.common);
    assert_eq!(cfg.bucket_secs, 30);
    let base = crate::engine::EngineConfig::default();
    assert!(cfg.scorer.threshold < base.scorer.threshold);
    assert!(cfg.client.brute_min_failures < base.client.brute_min_failures);
    let mut e = Engine::new(cfg);
    for (i, p) in ["/u/jane/orders/1", "/u/bob/orders/2", "/p/7"]
        .iter()
        .enumerate()
    {
        let r = Request {
            time: 1_700_000_000 * MICROS_PER_SEC + i as i64,
            client_ip: "192.0.2.1".parse().ok(),
            path: Some(Cow::Borrowed(p)),
            status: Some(200),
            ..Default::default()
        };
        e.record_line(&r, 0, i as u64, &[]);
    }
    let snap = e.snapshot(&crate::snapshot::ViewSpec::default());
    let paths: Vec<(&str, u64)> = snap
        .top_paths
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert!(paths.contains(&("/u/:user/orders/:id", 2)), "{paths:?}");
    assert!(paths.contains(&("/p/:id", 1)), "{paths:?}");
}
