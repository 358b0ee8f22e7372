//! `lbtop config --print` (effective settings) and `--default` (a commented template). Both
//! are valid TOML that can be saved as a config file; defaults stay commented out, so saving
//! `--print` and printing again gives the same text.

use super::keys::{Key, render};
use super::{ConfigFile, Kind};
use clap::ArgMatches;
use clap::parser::ValueSource;
use std::fmt::Write;

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    ConfigFile,
    CommandLine,
}

/// The value of `key` and its source. `matches` are the root matches of this run (only
/// top-level keys can be on the command line of `lbtop config`).
pub fn value_of(
    key: &Key,
    cfg: Option<&ConfigFile>,
    matches: Option<&ArgMatches>,
) -> (Vec<String>, Source) {
    if key.table.is_none()
        && let Some(m) = matches
        && m.value_source(&key.id) == Some(ValueSource::CommandLine)
        && let Some(raw) = m.get_raw(&key.id)
    {
        let v = raw.map(|s| s.to_string_lossy().into_owned()).collect();
        return (v, Source::CommandLine);
    }
    if let Some(s) = cfg.and_then(|c| c.get(key.table.as_deref(), &key.id)) {
        return (s.values.clone(), Source::ConfigFile);
    }
    (key.defaults.clone(), Source::Default)
}

fn placeholder(key: &Key) -> &'static str {
    if key.multi {
        return "[]";
    }
    match key.kind {
        Kind::Bool => "false",
        Kind::Int => "0",
        Kind::Float => "0.0",
        Kind::Str => "\"\"",
    }
}

fn sections(keys: &[Key]) -> Vec<(Option<&str>, Vec<&Key>)> {
    let mut out: Vec<(Option<&str>, Vec<&Key>)> = Vec::new();
    for k in keys {
        let t = k.table.as_deref();
        match out.iter_mut().find(|(x, _)| *x == t) {
            Some((_, v)) => v.push(k),
            None => out.push((t, vec![k])),
        }
    }
    out
}

/// Every key with its effective value and where it came from.
pub fn effective(keys: &[Key], cfg: Option<&ConfigFile>, matches: Option<&ArgMatches>) -> String {
    let mut s = String::from(
        "# lbtop effective settings. Defaults are commented out; save this as a config file\n\
         # (see `lbtop config --path`) to keep the other values.\n",
    );
    for (table, keys) in sections(keys) {
        if let Some(t) = table {
            let _ = write!(s, "\n[{t}]\n");
        }
        for k in keys {
            let (vals, src) = value_of(k, cfg, matches);
            let _ = match src {
                Source::CommandLine => {
                    writeln!(s, "{} = {}  # command line", k.name, render(k, &vals))
                }
                Source::ConfigFile => {
                    writeln!(s, "{} = {}  # config file", k.name, render(k, &vals))
                }
                Source::Default if vals.is_empty() && !k.multi => {
                    writeln!(s, "# {} = {}  # not set", k.name, placeholder(k))
                }
                Source::Default => {
                    writeln!(s, "# {} = {}  # default", k.name, render(k, &vals))
                }
            };
        }
    }
    s
}

/// A commented template with every key, its help and its default.
pub fn template(keys: &[Key]) -> String {
    let mut s = String::from(
        "# lbtop config file: $XDG_CONFIG_HOME/lbtop/config.toml (or ~/.config/lbtop/config.toml,\n\
         # or --config PATH). Every command-line option has a key: global options here, a\n\
         # subcommand's options in its table. The command line wins over this file.\n",
    );
    for (table, keys) in sections(keys) {
        if let Some(t) = table {
            let _ = write!(s, "\n[{t}]\n");
        }
        for k in keys {
            s.push('\n');
            for line in wrap(&k.help, 88) {
                let _ = writeln!(s, "# {line}");
            }
            let v = if k.defaults.is_empty() && !k.multi {
                placeholder(k).to_string()
            } else {
                render(k, &k.defaults)
            };
            let _ = writeln!(s, "# {} = {v}", k.name);
        }
    }
    s
}

/// Greedy word wrap for the template's help comments.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for w in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + w.len() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        out.push(line);
    }
    out
}
