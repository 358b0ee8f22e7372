//! The config keys, found by walking the clap definitions, and the TOML ↔ command-line value
//! conversions.

use clap::{Arg, ArgAction, Command};
use std::any::TypeId;
use toml::de::DeValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Bool => "true or false",
            Kind::Int => "an integer",
            Kind::Float => "a number",
            Kind::Str => "a string",
        }
    }
}

/// One config key: an option of the command line.
#[derive(Debug, Clone)]
pub struct Key {
    /// `None` for global options (top level), else the subcommand's table.
    pub table: Option<String>,
    /// The long flag name (or the positional's id: `paths`, `file`).
    pub name: String,
    pub id: String,
    pub kind: Kind,
    /// Takes a list (`trusted-proxy = ["10.0.0.0/8"]`).
    pub multi: bool,
    pub help: String,
    pub defaults: Vec<String>,
    /// The option itself, to run values through its value parser.
    pub arg: Arg,
}

/// Options that are about the config file itself, not settings.
const NOT_KEYS: [&str; 2] = ["config", "no-config"];
/// Subcommands without a table: `config` inspects the settings, `help`, `completions` and
/// `man` print documentation (their arguments are what to print, not settings).
const NO_TABLE: [&str; 4] = ["config", "help", "completions", "man"];

/// Every key, top level first, then by subcommand, in definition order.
pub fn keys(cmd: &Command) -> Vec<Key> {
    let mut cmd = cmd.clone();
    cmd.build();
    let mut out: Vec<Key> = cmd.get_arguments().filter_map(|a| key(None, a)).collect();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if NO_TABLE.contains(&name) {
            continue;
        }
        // Globals propagated into the subcommand are the top-level keys.
        out.extend(
            sub.get_arguments()
                .filter(|a| !a.is_global_set())
                .filter_map(|a| key(Some(name), a)),
        );
    }
    out
}

fn key(table: Option<&str>, a: &Arg) -> Option<Key> {
    if matches!(
        a.get_action(),
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
    ) {
        return None;
    }
    let name = a.get_long().unwrap_or(a.get_id().as_str()).to_string();
    if NOT_KEYS.contains(&name.as_str()) {
        return None;
    }
    let kind = match a.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse => Kind::Bool,
        ArgAction::Count => Kind::Int,
        _ => value_kind(a),
    };
    let multi = matches!(a.get_action(), ArgAction::Append)
        || a.get_num_args().is_some_and(|r| r.max_values() > 1);
    Some(Key {
        table: table.map(str::to_string),
        name,
        id: a.get_id().to_string(),
        kind,
        multi,
        help: a.get_help().map(|h| h.to_string()).unwrap_or_default(),
        // `--seeds 1,2,3` style options hold their default as one delimited string.
        defaults: a
            .get_default_values()
            .iter()
            .flat_map(|v| {
                let v = v.to_string_lossy().into_owned();
                match a.get_value_delimiter() {
                    Some(d) => v.split(d).map(str::to_string).collect(),
                    None => vec![v],
                }
            })
            .collect(),
        arg: a.clone(),
    })
}

fn value_kind(a: &Arg) -> Kind {
    let t = a.get_value_parser().type_id();
    let ints = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
    ];
    if ints.iter().any(|i| t == *i) {
        Kind::Int
    } else if t == TypeId::of::<f64>() || t == TypeId::of::<f32>() {
        Kind::Float
    } else if t == TypeId::of::<bool>() {
        Kind::Bool
    } else {
        Kind::Str
    }
}

/// A TOML scalar as the command line would spell it, if it has the key's type.
pub fn scalar(kind: Kind, v: &DeValue<'_>) -> Result<String, String> {
    let wrong = || format!("expected {}", kind.noun());
    match (kind, v) {
        (Kind::Bool, DeValue::Boolean(b)) => Ok(b.to_string()),
        (Kind::Int | Kind::Float | Kind::Str, DeValue::Integer(i)) => {
            i128::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map(|n| n.to_string())
                .map_err(|_| "integer out of range".to_string())
        }
        (Kind::Float | Kind::Str, DeValue::Float(f)) => Ok(f.as_str().replace('_', "")),
        (Kind::Str, DeValue::String(s)) => Ok(s.to_string()),
        // An unquoted TOML date-time for a time option (`from = 2026-11-22T02:00:00Z`).
        (Kind::Str, DeValue::Datetime(d)) => Ok(d.to_string()),
        _ => Err(wrong()),
    }
}

/// A parsed TOML value, shown as written (for error messages).
pub fn show_de(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => toml::Value::String(s.to_string()).to_string(),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(a) => {
            let items: Vec<String> = a.iter().map(|v| show_de(v.get_ref())).collect();
            format!("[{}]", items.join(", "))
        }
        DeValue::Table(_) => "{…}".to_string(),
    }
}

/// Command-line values as a TOML value of the key's type.
pub fn render(key: &Key, values: &[String]) -> String {
    let one = |s: &str| -> toml::Value {
        match key.kind {
            Kind::Bool => s
                .parse::<bool>()
                .map_or_else(|_| toml::Value::String(s.into()), toml::Value::Boolean),
            Kind::Int => s
                .parse::<i64>()
                .map_or_else(|_| toml::Value::String(s.into()), toml::Value::Integer),
            Kind::Float => s
                .parse::<f64>()
                .map_or_else(|_| toml::Value::String(s.into()), toml::Value::Float),
            Kind::Str => toml::Value::String(s.into()),
        }
    };
    if key.multi {
        toml::Value::Array(values.iter().map(|v| one(v)).collect()).to_string()
    } else {
        values
            .first()
            .map_or_else(|| "\"\"".to_string(), |v| one(v).to_string())
    }
}
