//! Themes: TOML files with semantic names resolved into ratatui `Style`s. The three built-ins
//! are embedded; a user file only overrides the keys it sets (on top of `default`).

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// One key of a theme file: `status-5xx = { fg = "#ff5555", modifiers = ["bold"] }`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub modifiers: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {name}: cannot read: {source}")]
    Read {
        name: String,
        source: std::io::Error,
    },
    #[error("theme {name}: {message}")]
    Toml { name: String, message: String },
    #[error(
        "theme {name}: key `{key}`: unknown colour `{value}` (use a name like `light-red`, `#rrggbb` or 0-255)"
    )]
    Color {
        name: String,
        key: String,
        value: String,
    },
    #[error(
        "theme {name}: key `{key}`: unknown modifier `{value}` (bold, dim, italic, underlined, reversed, crossed-out, slow-blink)"
    )]
    Modifier {
        name: String,
        key: String,
        value: String,
    },
    #[error("unknown theme `{0}`: not a built-in (default, light, high-contrast) and no such file")]
    Unknown(String),
}

/// Built-in themes, embedded so the binary needs no files next to it.
pub const BUILTIN: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! theme_keys {
    ($($field:ident => $key:literal),* $(,)?) => {
        /// A theme file as written: every key optional, unknown keys rejected.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ThemeFile {
            $( #[serde(rename = $key)] pub $field: Option<StyleSpec>, )*
        }

        /// Resolved styles, by meaning rather than by widget.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            $( pub $field: Style, )*
        }

        impl ThemeFile {
            /// Every key a theme can set.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Keys this file leaves unset.
            pub fn missing(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( if self.$field.is_none() { v.push($key); } )*
                v
            }

            /// `over`'s keys win; the rest come from `self`.
            #[must_use]
            pub fn merged(self, over: ThemeFile) -> ThemeFile {
                ThemeFile { $( $field: over.$field.or(self.$field), )* }
            }

            pub fn resolve(&self, name: &str, no_color: bool) -> Result<Theme, ThemeError> {
                Ok(Theme { $( $field: resolve_spec(name, $key, self.$field.as_ref(), no_color)?, )* })
            }
        }
    };
}

theme_keys! {
    background => "background",
    text => "text",
    dim => "dim",
    accent => "accent",
    header => "header",
    title => "title",
    border => "border",
    border_focus => "border-focus",
    selection => "selection",
    status_2xx => "status-2xx",
    status_3xx => "status-3xx",
    status_4xx => "status-4xx",
    status_5xx => "status-5xx",
    alert_low => "alert-low",
    alert_medium => "alert-medium",
    alert_high => "alert-high",
    spark_rps => "spark-rps",
    spark_latency => "spark-latency",
    spark_errors => "spark-errors",
    anomaly_mark => "anomaly-mark",
    warning => "warning",
    mode_live => "mode-live",
    mode_paused => "mode-paused",
    mode_replay => "mode-replay",
    popup => "popup",
}

fn resolve_spec(
    name: &str,
    key: &str,
    spec: Option<&StyleSpec>,
    no_color: bool,
) -> Result<Style, ThemeError> {
    let Some(spec) = spec else {
        return Ok(Style::default());
    };
    let color = |field: &str, v: &Option<String>| -> Result<Option<Color>, ThemeError> {
        match v {
            None => Ok(None),
            Some(s) => s.parse::<Color>().map(Some).map_err(|_| ThemeError::Color {
                name: name.to_string(),
                key: format!("{key}.{field}"),
                value: s.clone(),
            }),
        }
    };
    // Colours are validated even under NO_COLOR so a broken theme never passes silently.
    let fg = color("fg", &spec.fg)?;
    let bg = color("bg", &spec.bg)?;
    let mut style = Style::default();
    if !no_color {
        if let Some(fg) = fg {
            style = style.fg(fg);
        }
        if let Some(bg) = bg {
            style = style.bg(bg);
        }
    }
    for m in spec.modifiers.iter().flatten() {
        let md = match m.to_ascii_lowercase().replace('_', "-").as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" | "underline" => Modifier::UNDERLINED,
            "reversed" | "reverse" => Modifier::REVERSED,
            "crossed-out" => Modifier::CROSSED_OUT,
            "slow-blink" => Modifier::SLOW_BLINK,
            _ => {
                return Err(ThemeError::Modifier {
                    name: name.to_string(),
                    key: format!("{key}.modifiers"),
                    value: m.clone(),
                });
            }
        };
        style = style.add_modifier(md);
    }
    Ok(style)
}

impl ThemeFile {
    pub fn parse(name: &str, text: &str) -> Result<ThemeFile, ThemeError> {
        toml::from_str(text).map_err(|e| ThemeError::Toml {
            name: name.to_string(),
            message: e.to_string(),
        })
    }
}

impl Theme {
    /// `None` → `default`; a built-in name; or a path to a TOML file whose keys override
    /// `default`. `no_color` (the caller honours `NO_COLOR`) keeps only modifiers.
    pub fn load(name_or_path: Option<&str>, no_color: bool) -> Result<Theme, ThemeError> {
        let base = ThemeFile::parse("default", BUILTIN[0].1)?;
        let name = name_or_path.unwrap_or("default");
        let file = if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
            ThemeFile::parse(name, text)?
        } else if Path::new(name).is_file() {
            let text = std::fs::read_to_string(name).map_err(|source| ThemeError::Read {
                name: name.to_string(),
                source,
            })?;
            ThemeFile::parse(name, &text)?
        } else {
            return Err(ThemeError::Unknown(name.to_string()));
        };
        base.merged(file).resolve(name, no_color)
    }

    /// Style for an HTTP status code.
    pub fn status(&self, code: u16) -> Style {
        match code / 100 {
            2 => self.status_2xx,
            3 => self.status_3xx,
            4 => self.status_4xx,
            5 => self.status_5xx,
            _ => self.dim,
        }
    }

    /// Style for a score in [0, 1].
    pub fn alert(&self, score: f64) -> Style {
        if score >= 0.9 {
            self.alert_high
        } else if score >= 0.7 {
            self.alert_medium
        } else {
            self.alert_low
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::load(None, false).expect("built-in default theme is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_file_parses_and_sets_every_key() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            let file = ThemeFile::parse(&name, &text).unwrap();
            assert!(
                file.missing().is_empty(),
                "{name} misses {:?}",
                file.missing()
            );
            file.resolve(&name, false).unwrap();
            seen += 1;
        }
        assert_eq!(seen, BUILTIN.len(), "themes/ and BUILTIN disagree");
        for (name, _) in BUILTIN {
            let t = Theme::load(Some(name), false).unwrap();
            assert_ne!(
                t.status_5xx, t.status_2xx,
                "{name}: 5xx must differ from 2xx"
            );
        }
    }

    #[test]
    fn unknown_key_is_named() {
        let err = ThemeFile::parse("bad", "status-6xx = { fg = \"red\" }").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("status-6xx"), "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn bad_colour_names_the_key() {
        let file = ThemeFile::parse("bad", "status-5xx = { fg = \"reddish\" }").unwrap();
        let err = file.resolve("bad", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "theme bad: key `status-5xx.fg`: unknown colour `reddish` (use a name like `light-red`, `#rrggbb` or 0-255)"
        );
    }

    #[test]
    fn user_file_overrides_default_and_no_color_keeps_modifiers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.toml");
        std::fs::write(
            &p,
            "status-5xx = { fg = \"#010203\", modifiers = [\"bold\"] }\n",
        )
        .unwrap();
        let t = Theme::load(Some(p.to_str().unwrap()), false).unwrap();
        assert_eq!(t.status_5xx.fg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(t.status_2xx, Theme::default().status_2xx);
        let t = Theme::load(Some(p.to_str().unwrap()), true).unwrap();
        assert_eq!(t.status_5xx.fg, None);
        assert!(t.status_5xx.add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.background.bg, None);
        assert!(matches!(
            Theme::load(Some("no-such-theme"), false),
            Err(ThemeError::Unknown(_))
        ));
    }
}
