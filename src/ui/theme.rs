//! Semantic styles from `data/theme.toml`. Call sites ask for `warning` or `muted`,
//! never for a raw colour; with `NO_COLOR` every style is colourless and the selected
//! row is carried by its ▶ marker and bold text.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};

const SHIPPED: &str = include_str!("../../data/theme.toml");

#[derive(Debug, Clone)]
pub struct Theme {
    pub accent: Style,
    pub selected: Style,
    pub warning: Style,
    pub danger: Style,
    pub ok: Style,
    pub excellent: Style,
    pub muted: Style,
    pub border: Style,
    pub title: Style,
    pub tab_active: Style,
    pub key: Style,
}

fn colour(map: &BTreeMap<String, String>, name: &str, fallback: Color) -> Color {
    map.get(name)
        .and_then(|v| v.parse::<Color>().ok())
        .unwrap_or(fallback)
}

impl Theme {
    pub fn coloured(text: &str) -> Theme {
        let map: BTreeMap<String, String> = toml::from_str(text).unwrap_or_default();
        let c = |n, f| colour(&map, n, f);
        let fg = |n, f| Style::default().fg(c(n, f));
        Theme {
            accent: fg("accent", Color::Cyan),
            selected: Style::default()
                .bg(c("selected_bg", Color::DarkGray))
                .add_modifier(Modifier::BOLD),
            warning: fg("warning", Color::Yellow),
            danger: fg("danger", Color::LightRed),
            ok: fg("ok", Color::Green),
            excellent: fg("excellent", Color::LightGreen),
            muted: fg("muted", Color::DarkGray),
            border: fg("border", Color::DarkGray),
            title: fg("accent", Color::Cyan).add_modifier(Modifier::BOLD),
            tab_active: Style::default()
                .fg(c("tab_fg", Color::Black))
                .bg(c("accent", Color::Cyan))
                .add_modifier(Modifier::BOLD),
            key: fg("accent", Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    pub fn plain() -> Theme {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        Theme {
            accent: Style::default(),
            selected: bold,
            warning: bold,
            danger: bold,
            ok: Style::default(),
            excellent: Style::default(),
            muted: Style::default(),
            border: Style::default(),
            title: bold,
            tab_active: bold.add_modifier(Modifier::UNDERLINED),
            key: bold,
        }
    }

    pub fn get(no_color: bool) -> &'static Theme {
        static COLOURED: LazyLock<Theme> = LazyLock::new(|| Theme::coloured(SHIPPED));
        static PLAIN: LazyLock<Theme> = LazyLock::new(Theme::plain);
        if no_color { &PLAIN } else { &COLOURED }
    }
}

/// `NO_COLOR` set to anything non-empty (https://no-color.org).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
