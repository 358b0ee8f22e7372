//! Argument expansion: files, globs, directories, error messages.

use std::fs;
use std::path::{Path, PathBuf};

use super::expand::{classify, watch_root};
use super::{Input, Pattern, SourceError, expand, expand_follow, is_log_name};

fn touch(p: &Path) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, b"x\n").unwrap();
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn files(inputs: &[Input]) -> Vec<PathBuf> {
    inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => p.clone(),
            Input::Stdin => PathBuf::from("-"),
        })
        .collect()
}

#[test]
fn glob_and_double_star() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for f in [
        "b.log",
        "a.log",
        "c.txt",
        ".hidden.log",
        "sub/d.log",
        "sub/deeper/e.log",
    ] {
        touch(&r.join(f));
    }
    let got = expand(&[s(&r.join("*.log"))]).unwrap();
    assert_eq!(files(&got), vec![r.join("a.log"), r.join("b.log")]);
    let got = expand(&[s(&r.join("**/*.log"))]).unwrap();
    assert_eq!(
        files(&got),
        vec![
            r.join("a.log"),
            r.join("b.log"),
            r.join("sub/d.log"),
            r.join("sub/deeper/e.log")
        ]
    );
    // Stdin, a file, and a duplicate through a glob.
    let got = expand(&["-".into(), s(&r.join("c.txt")), s(&r.join("*.txt"))]).unwrap();
    assert_eq!(got, vec![Input::Stdin, Input::File(r.join("c.txt"))]);
}

#[test]
fn directory_walk_like_an_s3_sync() {
    let d = tempfile::tempdir().unwrap();
    let base = d
        .path()
        .join("AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024");
    let names = [
        "01/02/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240102T0005Z_10.0.0.1_b.log.gz",
        "01/02/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240102T0000Z_10.0.0.1_a.log.gz",
        "01/01/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240101T2355Z_10.0.0.1_z.log.gz",
        "01/01/access.log.1",
        "01/01/PT1H.json",
        "01/01/plain",
    ];
    for n in names {
        touch(&base.join(n));
    }
    for junk in [
        "01/01/.DS_Store",
        "01/01/notes.md",
        "01/01/x.zip",
        "01/.tmp/hidden.log",
    ] {
        touch(&base.join(junk));
    }
    let got = expand(&[s(&d.path().join("AWSLogs"))]).unwrap();
    let want: Vec<PathBuf> = [
        "01/01/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240101T2355Z_10.0.0.1_z.log.gz",
        "01/01/PT1H.json",
        "01/01/access.log.1",
        "01/01/plain",
        "01/02/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240102T0000Z_10.0.0.1_a.log.gz",
        "01/02/123456789012_elasticloadbalancing_us-east-1_app.web.1_20240102T0005Z_10.0.0.1_b.log.gz",
    ]
    .iter()
    .map(|n| base.join(n))
    .collect();
    assert_eq!(files(&got), want);
}

#[test]
fn error_messages() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("x/y.log");
    let e = expand(&[s(&missing)]).unwrap_err();
    assert!(matches!(e, SourceError::NotFound(_)));
    assert_eq!(
        e.to_string(),
        format!("lbtop: {}: no such file or directory", missing.display())
    );

    let empty = d.path().join("empty");
    fs::create_dir(&empty).unwrap();
    touch(&empty.join("README.md"));
    let e = expand(&[s(&empty)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "lbtop: {}: directory contains no log files",
            empty.display()
        )
    );

    let pat = s(&d.path().join("*.log"));
    let e = expand(std::slice::from_ref(&pat)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("lbtop: {pat}: no files match this pattern")
    );

    let bad = s(&d.path().join("[.log"));
    let e = expand(std::slice::from_ref(&bad)).unwrap_err();
    assert!(matches!(e, SourceError::BadPattern { .. }), "{e}");
}

#[test]
fn follow_accepts_what_may_appear_later() {
    let d = tempfile::tempdir().unwrap();
    let pat = s(&d.path().join("*.log"));
    let named = d.path().join("later.log");
    let (inputs, pats) = expand_follow(&[pat.clone(), s(&named)]).unwrap();
    assert!(inputs.is_empty());
    assert_eq!(pats, vec![Pattern::Glob(pat), Pattern::File(named)]);
}

#[cfg(unix)]
#[test]
fn permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("secret.log");
    touch(&p);
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&p).is_ok() {
        // Running as root: mode 000 does not stop us, nothing to assert.
        eprintln!("skipped: running as root, mode 000 files are readable");
        return;
    }
    let e = expand(&[s(&p)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("lbtop: {}: permission denied", p.display())
    );
}

#[test]
fn log_names() {
    for yes in [
        "a.log",
        "a.LOG",
        "x.log.gz",
        "access.log.3",
        "PT1H.json",
        "f.jsonl",
        "messages",
        "a.txt",
    ] {
        assert!(is_log_name(yes), "{yes}");
    }
    for no in [".a.log", "notes.md", "x.zip", "img.png", "a.1", ".DS_Store"] {
        assert!(!is_log_name(no), "{no}");
    }
}

#[test]
fn classify_and_watch_roots() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(classify("-"), Pattern::Stdin);
    assert_eq!(classify(&s(d.path())), Pattern::Dir(d.path().to_path_buf()));
    let g = s(&d.path().join("*.log"));
    assert_eq!(classify(&g), Pattern::Glob(g.clone()));
    assert_eq!(
        watch_root(&Pattern::Glob(g)),
        Some((d.path().to_path_buf(), false))
    );
    let g = s(&d.path().join("**/*.log"));
    assert_eq!(
        watch_root(&Pattern::Glob(g)),
        Some((d.path().to_path_buf(), true))
    );
    assert_eq!(
        watch_root(&Pattern::File("app.log".into())),
        Some((PathBuf::from("."), false))
    );
}

#[test]
fn io_errors_map_to_messages() {
    use std::io::{Error, ErrorKind};
    let p = Path::new("/var/log/lb/a.log");
    let e = SourceError::from_io(p, Error::from(ErrorKind::PermissionDenied));
    assert_eq!(e.to_string(), "lbtop: /var/log/lb/a.log: permission denied");
    let e = SourceError::from_io(p, Error::other("disk on fire"));
    assert_eq!(e.to_string(), "lbtop: /var/log/lb/a.log: disk on fire");
}
