//! The config file: `$XDG_CONFIG_HOME/lbtop/config.toml` (or `~/.config/…`, or `--config`).
//!
//! Every command-line option has a key, found by walking the clap definitions rather than
//! listed by hand, so options added later get keys for free: global options are top-level
//! keys, a subcommand's options live in its table (`[scan]`, `[replay]`, …), the key is the
//! long flag name (`alert-webhook`; `alert_webhook` is accepted too). Values are checked by
//! the option's own value parser, then installed as the option's defaults before the command
//! line is parsed, so the command line always wins.

pub mod keys;
pub mod print;
pub mod sensitivity;
#[cfg(test)]
mod tests;

pub use keys::{Key, Kind, keys};
pub use sensitivity::Sensitivity;

use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// One value from the file, checked and ready for clap.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// `None`: top level; `Some("scan")`: the `[scan]` table.
    pub table: Option<String>,
    /// The canonical key (long flag name).
    pub name: String,
    /// The clap argument id.
    pub id: String,
    /// Values as they would be typed on the command line (one per occurrence).
    pub values: Vec<String>,
    pub line: usize,
}

/// A loaded config file.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub settings: Vec<Setting>,
}

impl ConfigFile {
    pub fn get(&self, table: Option<&str>, id: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .find(|s| s.table.as_deref() == table && s.id == id)
    }
}

/// Where the config comes from, decided from the raw arguments before clap sees them
/// (clap's defaults depend on it).
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// `--config PATH`: must exist.
    Explicit(PathBuf),
    /// The XDG default: fine if missing.
    Default(PathBuf),
    /// `--no-config`, or no home directory to look in.
    None,
}

impl Location {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Explicit(p) | Location::Default(p) => Some(p),
            Location::None => None,
        }
    }
}

/// `$XDG_CONFIG_HOME/lbtop/config.toml`, else `$HOME/.config/lbtop/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })?;
    Some(base.join("lbtop").join("config.toml"))
}

/// `--config PATH` / `--config=PATH` / `--no-config` in the raw arguments (up to `--`).
pub fn locate(args: &[OsString]) -> Location {
    let mut explicit = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let Some(s) = a.to_str() else { continue };
        match s {
            "--" => break,
            "--no-config" => return Location::None,
            "--config" => explicit = it.next().map(PathBuf::from),
            _ => {
                if let Some(p) = s.strip_prefix("--config=") {
                    explicit = Some(PathBuf::from(p));
                }
            }
        }
    }
    match explicit {
        Some(p) => Location::Explicit(p),
        None => default_path().map_or(Location::None, Location::Default),
    }
}

/// Read the file at `loc`: `Ok(None)` when there is none to read.
pub fn read(loc: &Location, keys: &[Key]) -> Result<Option<ConfigFile>, String> {
    let (path, must) = match loc {
        Location::Explicit(p) => (p, true),
        Location::Default(p) => (p, false),
        Location::None => return Ok(None),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text, keys).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1
}

/// Parse and check a config file. Errors name the file, the line and the key, one per line.
pub fn parse(path: &Path, text: &str, keys: &[Key]) -> Result<ConfigFile, String> {
    let file = path.display();
    let root = DeTable::parse(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        format!("{file}:{line}: {}", e.message().trim())
    })?;
    let tables: Vec<&str> = keys.iter().filter_map(|k| k.table.as_deref()).collect();
    let mut errors: Vec<(usize, String)> = Vec::new();
    let mut settings: Vec<Setting> = Vec::new();
    let mut entries = Vec::new();
    for (k, v) in root.get_ref().iter() {
        let line = line_of(text, k.span().start);
        match v.get_ref() {
            DeValue::Table(t) if tables.contains(&canonical(k.get_ref()).as_str()) => {
                let name = canonical(k.get_ref());
                for (k2, v2) in t.iter() {
                    let line = line_of(text, k2.span().start);
                    entries.push((Some(name.clone()), k2.get_ref().to_string(), v2, line));
                }
            }
            DeValue::Table(_) => {
                let name = k.get_ref().to_string();
                let hint = suggest(&name, tables.iter().copied())
                    .map(|s| format!(" (did you mean [{s}]?)"))
                    .unwrap_or_default();
                errors.push((line, format!("unknown table [{name}]{hint}")));
            }
            _ => entries.push((None, k.get_ref().to_string(), v, line)),
        }
    }
    // The map is sorted by key; check in file order so "set twice" points back correctly.
    entries.sort_by_key(|e| e.3);
    for (table, key, value, line) in entries {
        match setting(table.as_deref(), &key, value.get_ref(), keys) {
            Ok(s) => {
                if let Some(prev) = settings.iter().find(|p| p.table == s.table && p.id == s.id) {
                    errors.push((
                        line,
                        format!("`{key}` is set twice (also on line {})", prev.line),
                    ));
                    continue;
                }
                settings.push(Setting { line, ..s });
            }
            Err(e) => errors.push((line, e)),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|(l, _)| *l);
        let lines: Vec<String> = errors
            .into_iter()
            .map(|(l, e)| format!("{file}:{l}: {e}"))
            .collect();
        return Err(lines.join("\n"));
    }
    settings.sort_by_key(|s| s.line);
    Ok(ConfigFile {
        path: path.to_path_buf(),
        settings,
    })
}

/// `alert_webhook` → `alert-webhook`.
fn canonical(k: &str) -> String {
    k.replace('_', "-")
}

fn where_(table: Option<&str>) -> String {
    match table {
        Some(t) => format!("in [{t}]"),
        None => "at the top level".to_string(),
    }
}

fn setting(
    table: Option<&str>,
    raw_key: &str,
    value: &DeValue<'_>,
    keys: &[Key],
) -> Result<Setting, String> {
    let name = canonical(raw_key);
    let Some(key) = keys
        .iter()
        .find(|k| k.table.as_deref() == table && k.name == name)
    else {
        let elsewhere: Vec<String> = keys
            .iter()
            .filter(|k| k.name == name)
            .map(|k| match &k.table {
                Some(t) => format!("[{t}]"),
                None => "the top level".to_string(),
            })
            .collect();
        if !elsewhere.is_empty() {
            return Err(format!(
                "`{raw_key}` does not belong {}: it is a key of {} (top-level keys go before \
                 any [table])",
                where_(table),
                elsewhere.join(", ")
            ));
        }
        // Keys of this table, and top-level keys (shown as such) for a table.
        let here = keys
            .iter()
            .filter(|k| k.table.as_deref() == table || k.table.is_none())
            .map(|k| k.name.as_str());
        let hint = suggest(&name, here)
            .map(|s| {
                let top = table.is_some()
                    && !keys
                        .iter()
                        .any(|k| k.table.as_deref() == table && k.name == s);
                if top {
                    format!(" (did you mean the top-level key `{s}`?)")
                } else {
                    format!(" (did you mean `{s}`?)")
                }
            })
            .unwrap_or_default();
        return Err(format!("unknown key `{raw_key}` {}{hint}", where_(table)));
    };
    let shown = keys::show_de(value);
    let bad = |why: String| format!("{} = {shown}: {why}", key.name);
    let items: Vec<&DeValue<'_>> = match value {
        DeValue::Array(a) if key.multi => a.iter().map(|v| v.get_ref()).collect(),
        DeValue::Array(_) => return Err(bad(format!("expected {}, not a list", key.kind.noun()))),
        v => vec![v],
    };
    let mut values = Vec::with_capacity(items.len());
    for v in items {
        let s = keys::scalar(key.kind, v).map_err(&bad)?;
        if key.kind != Kind::Bool {
            check(&key.arg, &s).map_err(&bad)?;
        }
        values.push(s);
    }
    Ok(Setting {
        table: key.table.clone(),
        name: key.name.clone(),
        id: key.id.clone(),
        values,
        line: 0,
    })
}

/// Run one value through the option's own value parser (clap keeps `parse_ref` private, so
/// through a one-option command), so validity rules live only in the clap definitions.
pub fn check(arg: &Arg, value: &str) -> Result<(), String> {
    let probe = Command::new("probe").no_binary_name(true).arg(
        Arg::new("v")
            .long("v")
            .action(ArgAction::Set)
            .value_parser(arg.get_value_parser().clone()),
    );
    match probe.try_get_matches_from([format!("--v={value}")]) {
        Ok(_) => Ok(()),
        Err(e) => Err(tidy(clap_reason(&e))),
    }
}

fn clap_reason(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    if let Some(src) = std::error::Error::source(e) {
        return src.to_string();
    }
    if let Some(ContextValue::Strings(v)) = e.get(ContextKind::ValidValue) {
        return format!("must be one of: {}", v.join(", "));
    }
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("");
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// Messages from value parsers sometimes carry their own `error: ` prefix.
fn tidy(msg: String) -> String {
    msg.replace(": error: ", ": ")
}

/// The closest name within edit distance 2 (or 1 for short names).
pub fn suggest<'k>(name: &str, among: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let limit = if name.len() <= 4 { 1 } else { 2 };
    among
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance counting a swap of neighbours as one edit (`sacn` → `scan`).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Install the file's values as the options' defaults. Strings are leaked: clap without its
/// `string` feature takes `&'static str`, and this runs once per process.
pub fn apply(mut cmd: Command, cfg: &ConfigFile) -> Command {
    for s in &cfg.settings {
        let vals: Vec<&'static str> = s
            .values
            .iter()
            .map(|v| &*Box::leak(v.clone().into_boxed_str()))
            .collect();
        let set = move |a: Arg| a.required(false).default_values(vals);
        cmd = match &s.table {
            None => cmd.mut_arg(&s.id, set),
            Some(t) => cmd.mut_subcommand(t, |sub| sub.mut_arg(&s.id, set)),
        };
    }
    cmd
}
