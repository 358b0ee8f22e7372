//! User rules from a TOML file:
//!
//! ```toml
//! [[rule]]
//! id = "old-api"
//! category = "probe"          # sqli, xss, traversal, command_injection, jndi, ssrf,
//!                             # sensitive_file, probe, scanner_agent, custom
//! severity = "medium"         # low, medium, high, critical
//! field = "path"              # path, query, uri, user_agent, referrer, any
//! pattern = "^/api/v1/"       # a regex, case-insensitive, on the decoded field
//! # or: contains = ["/old/", "/legacy/"]   (case-insensitive substrings)
//! ```
//!
//! Errors name the rule (its id, or `#n` when it has none) and what is wrong with it.

use crate::event::{Category, Severity};
use aho_corasick::AhoCorasick;
use std::sync::Arc;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("rules file is not valid TOML: {0}")]
    Toml(String),
    #[error("rules file: unknown top-level key `{0}` (expected [[rule]] tables)")]
    UnknownTopLevel(String),
    #[error("rules file: `rule` must be an array of tables ([[rule]])")]
    NotTables,
    #[error(
        "rule {rule}: unknown field `{field}` (expected id, category, severity, field, pattern, contains, description)"
    )]
    UnknownField { rule: String, field: String },
    #[error("rule {rule}: missing `{field}`")]
    Missing { rule: String, field: &'static str },
    #[error("rule {rule}: `{field}` must be {expected}")]
    WrongType {
        rule: String,
        field: String,
        expected: &'static str,
    },
    #[error(
        "rule {rule}: unknown category `{value}` (expected sqli, xss, traversal, command_injection, jndi, ssrf, sensitive_file, probe, scanner_agent or custom)"
    )]
    UnknownCategory { rule: String, value: String },
    #[error("rule {rule}: unknown severity `{value}` (expected low, medium, high or critical)")]
    UnknownSeverity { rule: String, value: String },
    #[error(
        "rule {rule}: unknown field name `{value}` for `field` (expected path, query, uri, user_agent, referrer or any)"
    )]
    UnknownTarget { rule: String, value: String },
    #[error("rule {rule}: bad regex in `pattern`: {error}")]
    BadRegex { rule: String, error: String },
    #[error("rule {rule}: needs exactly one of `pattern` or `contains`")]
    Matcher { rule: String },
    #[error("rule {rule}: `contains` is empty or has an empty string")]
    EmptyContains { rule: String },
    #[error("rule {rule}: the id is used twice")]
    DuplicateId { rule: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Path,
    Query,
    Uri,
    UserAgent,
    Referrer,
    Any,
}

#[derive(Debug)]
pub enum Matcher {
    Regex(regex::bytes::Regex),
    Contains(AhoCorasick),
}

impl Matcher {
    pub fn is_match(&self, s: &[u8]) -> bool {
        match self {
            Matcher::Regex(r) => r.is_match(s),
            Matcher::Contains(ac) => ac.is_match(s),
        }
    }
}

#[derive(Debug)]
pub struct UserRule {
    pub id: Arc<str>,
    pub category: Category,
    pub severity: Severity,
    pub target: Target,
    pub matcher: Matcher,
}

fn category(s: &str) -> Option<Category> {
    let s = s.to_ascii_lowercase().replace('-', "_");
    Some(match s.as_str() {
        "sqli" | "sql_injection" => Category::Sqli,
        "xss" => Category::Xss,
        "traversal" | "path_traversal" => Category::Traversal,
        "command_injection" | "cmdi" => Category::CommandInjection,
        "jndi" | "log4shell" => Category::Jndi,
        "ssrf" => Category::Ssrf,
        "sensitive_file" => Category::SensitiveFile,
        "probe" => Category::Probe,
        "scanner_agent" | "scanner" => Category::ScannerAgent,
        "custom" => Category::Custom,
        _ => return None,
    })
}

fn severity(s: &str) -> Option<Severity> {
    Some(match s.to_ascii_lowercase().as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

fn target(s: &str) -> Option<Target> {
    Some(match s {
        "path" => Target::Path,
        "query" => Target::Query,
        "uri" => Target::Uri,
        "user_agent" => Target::UserAgent,
        "referrer" | "referer" => Target::Referrer,
        "any" => Target::Any,
        _ => return None,
    })
}

/// Parse a rules file.
pub fn parse(text: &str) -> Result<Vec<UserRule>, RuleError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        RuleError::Toml(e.to_string().trim_end().replace('\n', " "))
    })?;
    let mut out: Vec<UserRule> = Vec::new();
    for (k, v) in &table {
        if k != "rule" {
            return Err(RuleError::UnknownTopLevel(k.clone()));
        }
        let arr = v.as_array().ok_or(RuleError::NotTables)?;
        for (n, item) in arr.iter().enumerate() {
            let t = item.as_table().ok_or(RuleError::NotTables)?;
            let rule = one(t, n + 1)?;
            if out.iter().any(|r| r.id == rule.id) {
                return Err(RuleError::DuplicateId {
                    rule: rule.id.to_string(),
                });
            }
            out.push(rule);
        }
    }
    Ok(out)
}

fn one(t: &toml::Table, n: usize) -> Result<UserRule, RuleError> {
    let name = match t.get("id").and_then(|v| v.as_str()) {
        Some(id) if !id.trim().is_empty() => id.to_string(),
        _ => format!("#{n}"),
    };
    let wrong = |field: &str, expected: &'static str| RuleError::WrongType {
        rule: name.clone(),
        field: field.to_string(),
        expected,
    };
    for k in t.keys() {
        if !matches!(
            k.as_str(),
            "id" | "category" | "severity" | "field" | "pattern" | "contains" | "description"
        ) {
            return Err(RuleError::UnknownField {
                rule: name.clone(),
                field: k.clone(),
            });
        }
    }
    let string = |field: &'static str| -> Result<Option<&str>, RuleError> {
        match t.get(field) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| wrong(field, "a string")),
        }
    };
    let required = |field: &'static str| -> Result<&str, RuleError> {
        string(field)?.ok_or(RuleError::Missing {
            rule: name.clone(),
            field,
        })
    };
    let id = required("id")?;
    if id.trim().is_empty() {
        return Err(wrong("id", "a non-empty string"));
    }
    string("description")?;
    let cat = required("category")?;
    let category = category(cat).ok_or_else(|| RuleError::UnknownCategory {
        rule: name.clone(),
        value: cat.to_string(),
    })?;
    let severity = match string("severity")? {
        None => Severity::Medium,
        Some(s) => severity(s).ok_or_else(|| RuleError::UnknownSeverity {
            rule: name.clone(),
            value: s.to_string(),
        })?,
    };
    let target = match string("field")? {
        None => Target::Any,
        Some(s) => target(s).ok_or_else(|| RuleError::UnknownTarget {
            rule: name.clone(),
            value: s.to_string(),
        })?,
    };
    let matcher = match (string("pattern")?, t.get("contains")) {
        (Some(p), None) => Matcher::Regex(
            regex::bytes::RegexBuilder::new(p)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| RuleError::BadRegex {
                    rule: name.clone(),
                    error: e.to_string().replace('\n', " "),
                })?,
        ),
        (None, Some(v)) => {
            let arr = v
                .as_array()
                .ok_or_else(|| wrong("contains", "an array of strings"))?;
            let mut pats = Vec::with_capacity(arr.len());
            for s in arr {
                let s = s
                    .as_str()
                    .ok_or_else(|| wrong("contains", "an array of strings"))?;
                if s.is_empty() {
                    return Err(RuleError::EmptyContains { rule: name.clone() });
                }
                pats.push(s);
            }
            if pats.is_empty() {
                return Err(RuleError::EmptyContains { rule: name.clone() });
            }
            Matcher::Contains(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&pats)
                    .map_err(|e| RuleError::BadRegex {
                        rule: name.clone(),
                        error: e.to_string(),
                    })?,
            )
        }
        _ => return Err(RuleError::Matcher { rule: name.clone() }),
    };
    Ok(UserRule {
        id: Arc::from(id),
        category,
        severity,
        target,
        matcher,
    })
}
