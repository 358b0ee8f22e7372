//! Command-line arguments to inputs: `-`, files, globs and directories.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// What messages call it: `-` or the path as given.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// An argument as classified, kept by the follower to find files that appear later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Stdin,
    /// A named file (which may not exist yet when following).
    File(PathBuf),
    /// A directory, walked recursively for log-looking files.
    Dir(PathBuf),
    /// A glob pattern (`*`, `?`, `[…]`, `**`).
    Glob(String),
}

/// Why the arguments cannot be read. `Display` is the whole one-line message for stderr.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("lbtop: {0}: no such file or directory")]
    NotFound(String),
    #[error("lbtop: {0}: permission denied")]
    PermissionDenied(String),
    #[error("lbtop: {0}: directory contains no log files")]
    NoLogFiles(String),
    #[error("lbtop: {0}: no files match this pattern")]
    NoMatch(String),
    #[error("lbtop: {pattern}: invalid pattern: {msg}")]
    BadPattern { pattern: String, msg: String },
    #[error("lbtop: {path}: {source}")]
    Io { path: String, source: io::Error },
}

impl SourceError {
    pub(crate) fn from_io(path: &Path, e: io::Error) -> Self {
        let p = path.display().to_string();
        match e.kind() {
            io::ErrorKind::NotFound => SourceError::NotFound(p),
            io::ErrorKind::PermissionDenied => SourceError::PermissionDenied(p),
            _ => SourceError::Io { path: p, source: e },
        }
    }
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Classify one argument without touching files that don't exist.
pub(crate) fn classify(arg: &str) -> Pattern {
    if arg == "-" {
        return Pattern::Stdin;
    }
    let p = Path::new(arg);
    // A file literally named `a[1].log` is a file, not a pattern.
    if p.is_dir() {
        Pattern::Dir(p.to_path_buf())
    } else if !p.exists() && has_glob_chars(arg) {
        Pattern::Glob(arg.to_string())
    } else {
        Pattern::File(p.to_path_buf())
    }
}

/// Expand arguments for a one-pass read: every named file must exist and be readable, every
/// directory must hold log files, every glob must match. Order: arguments in order, each
/// directory's and glob's files sorted by path (ALB names carry the time); duplicates dropped.
pub fn expand(args: &[String]) -> Result<Vec<Input>, SourceError> {
    expand_inner(args, false).map(|(inputs, _)| inputs)
}

/// Expand arguments for following: like [`expand`] except that a named file that does not
/// exist yet and a glob that matches nothing yet are not errors (they may appear later). The
/// patterns go to [`super::Follower::spawn`].
pub fn expand_follow(args: &[String]) -> Result<(Vec<Input>, Vec<Pattern>), SourceError> {
    expand_inner(args, true)
}

fn expand_inner(args: &[String], follow: bool) -> Result<(Vec<Input>, Vec<Pattern>), SourceError> {
    let mut inputs = Vec::new();
    let mut patterns = Vec::with_capacity(args.len());
    for arg in args {
        let pat = classify(arg);
        match &pat {
            Pattern::Stdin => inputs.push(Input::Stdin),
            // Opening a FIFO blocks until its writer comes: only stat those.
            Pattern::File(p) if fs::metadata(p).is_ok_and(|m| !m.is_file()) => {
                inputs.push(Input::File(p.clone()))
            }
            Pattern::File(p) => match fs::File::open(p) {
                Ok(_) => inputs.push(Input::File(p.clone())),
                Err(e) if follow && e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(SourceError::from_io(p, e)),
            },
            Pattern::Dir(d) => {
                let files = walk_dir(d)?;
                if files.is_empty() && !follow {
                    return Err(SourceError::NoLogFiles(d.display().to_string()));
                }
                inputs.extend(files.into_iter().map(Input::File));
            }
            Pattern::Glob(g) => {
                let files = glob_files(g)?;
                if files.is_empty() && !follow {
                    return Err(SourceError::NoMatch(g.clone()));
                }
                inputs.extend(files.into_iter().map(Input::File));
            }
        }
        patterns.push(pat);
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| seen.insert(i.clone()));
    Ok((inputs, patterns))
}

/// Files matching a glob, sorted; hidden files only when the pattern names the dot.
pub(crate) fn glob_files(pattern: &str) -> Result<Vec<PathBuf>, SourceError> {
    let opts = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..Default::default()
    };
    let paths = glob::glob_with(pattern, opts).map_err(|e| SourceError::BadPattern {
        pattern: pattern.to_string(),
        msg: e.msg.to_string(),
    })?;
    // Unreadable directories under a `**` are skipped, not fatal.
    let mut files: Vec<PathBuf> = paths.flatten().filter(|p| p.is_file()).collect();
    files.sort();
    Ok(files)
}

/// Log-looking file names: `.log`, `.gz`, `.txt`, `.json` (and JSON-lines spellings), no
/// extension, or a rotated `x.log.1`; hidden files never.
pub fn is_log_name(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return true;
    };
    if stem.is_empty() {
        return false;
    }
    let ext = ext.to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "log" | "gz" | "txt" | "json" | "jsonl" | "ndjson" | "csv"
    ) || (ext.bytes().all(|b| b.is_ascii_digit()) && stem.contains(".log"))
}

/// Walk a directory recursively (following symlinks, bounded depth) for log-looking files,
/// sorted by path. Unreadable subdirectories are skipped; an unreadable root is an error.
pub(crate) fn walk_dir(root: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    let rd = fs::read_dir(root).map_err(|e| SourceError::from_io(root, e))?;
    walk_entries(rd, 0, &mut out);
    out.sort();
    Ok(out)
}

/// Deep enough for `AWSLogs/<acct>/elasticloadbalancing/<region>/YYYY/MM/DD/`; bounds
/// symlink loops.
const MAX_DEPTH: usize = 16;

fn walk_entries(rd: fs::ReadDir, depth: usize, out: &mut Vec<PathBuf>) {
    for entry in rd.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // `metadata` follows symlinks: a linked log directory is walked.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                if let Ok(sub) = fs::read_dir(&path) {
                    walk_entries(sub, depth + 1, out);
                }
            }
        } else if meta.is_file() && is_log_name(name) {
            out.push(path);
        }
    }
}

/// The directory to watch for a pattern, and whether recursively.
pub(crate) fn watch_root(pat: &Pattern) -> Option<(PathBuf, bool)> {
    match pat {
        Pattern::Stdin => None,
        Pattern::File(p) => {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
            Some((parent.unwrap_or(Path::new(".")).to_path_buf(), false))
        }
        Pattern::Dir(d) => Some((d.clone(), true)),
        Pattern::Glob(g) => {
            let mut base = PathBuf::new();
            let mut rest = 0;
            for comp in Path::new(g).components() {
                let s = comp.as_os_str().to_string_lossy();
                if rest > 0 || has_glob_chars(&s) {
                    rest += 1;
                } else {
                    base.push(comp);
                }
            }
            if base.as_os_str().is_empty() {
                base.push(".");
            }
            // `dir/*.log` needs only `dir`; `dir/*/x.log` or `**` needs the tree.
            Some((base, rest > 1 || g.contains("**")))
        }
    }
}
