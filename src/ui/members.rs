//! The Members tab: one row per member per group, with tier, last message and 30-day
//! volume. Only the rows in view are built, so 100,000 members scroll as fast as 100.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row};

use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::widgets::{ListSpec, list, list_height, truncate};

const NAME_W: usize = 16;
const GROUP_W: usize = 20;
use crate::app::App;
use crate::i18n::fill;

pub fn tier_style(theme: &Theme, tier: &str) -> Style {
    match tier {
        "core" => theme.excellent,
        "active" => theme.ok,
        "new" => theme.accent,
        "silent" => theme.warning,
        "left" => theme.muted,
        _ => Style::default(),
    }
}

/// "3 天前" / "today" / "never" relative to the Today tab's day.
pub fn last_spoke(app: &App, day: Option<&str>) -> String {
    let t = &app.texts.members;
    match day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        None => t.never.clone(),
        Some(d) => match (app.today_day - d).num_days() {
            n if n <= 0 => t.today.clone(),
            n => fill(&t.days_ago, &[("n", &n)]),
        },
    }
}

/// The detail pane's width; it sits beside the list from this screen width on.
const PANE_W: u16 = 46;
const PANE_MIN_SCREEN: u16 = 120;

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    if area.width >= PANE_MIN_SCREEN {
        let [l, p] =
            Layout::horizontal([Constraint::Min(60), Constraint::Length(PANE_W)]).areas(area);
        render_list(app, frame, l, theme);
        pane(app, frame, p, theme);
    } else {
        render_list(app, frame, area, theme);
    }
}

fn render_list(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.members;
    let data = &app.members;
    let f = &app.msearch;
    let mut spans = vec![Span::styled(format!(" {} ", t.title), theme.title)];
    let mut filters: Vec<String> = Vec::new();
    if let Some(tier) = f.tier {
        filters.push(app.texts.enum_text(tier.word()).to_string());
    }
    if let Some(g) = &f.group {
        filters.push(g.clone());
    }
    if let Some(tag) = &f.tag {
        filters.push(format!("#{tag}"));
    }
    if let Some(n) = f.silent_days {
        filters.push(fill(&t.filter_silent, &[("n", &n)]));
    }
    // the structure of what is shown, against the olive target
    if let Some([c, a, p]) = f.mix {
        let [tc, ta, tp] = app.rules.tiers.olive;
        let pct = |x: f64| (x * 100.0).round() as i64;
        spans.push(Span::styled(
            fill(
                &t.structure,
                &[
                    ("core", &pct(c)),
                    ("active", &pct(a)),
                    ("potential", &pct(p)),
                    ("target", &format!("{}/{}/{}", pct(tc), pct(ta), pct(tp))),
                ],
            ),
            if c < tc / 2.0 {
                theme.warning
            } else {
                theme.muted
            },
        ));
    }
    if !filters.is_empty() {
        let inv = if f.invert {
            format!("{} ", t.filter_invert)
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!("[{inv}{}]", filters.join(" ")),
            theme.warning,
        ));
    }
    let title = Line::from(spans);
    // the alias (group nickname) a search matched shows after the name: `丁蕊 (张姐)`
    let matcher = crate::search::Matcher::new(&data.filter);
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            let alias = match (&r.group_nickname, matcher.is_empty()) {
                (Some(alias), false) => matcher
                    .score([r.name.as_str(), alias.as_str()])
                    .filter(|hit| hit.text == 1)
                    .map(|_| alias.as_str()),
                _ => None,
            };
            // cut with an ellipsis so a long nickname is visibly longer, not silently lost;
            // ⚠ a new member silent for 3 days (time for a private chat)
            let warn =
                crate::app::members::new_and_silent(r, app.now.timestamp(), &app.rules.tiers);
            let name = if warn {
                format!("⚠{}", name_with_alias(&r.name, alias, NAME_W - 1))
            } else if r.kol {
                format!("{} ★", name_with_alias(&r.name, alias, NAME_W - 2))
            } else {
                name_with_alias(&r.name, alias, NAME_W)
            };
            Row::new(vec![
                Cell::from(name),
                Cell::from(truncate(&r.group, GROUP_W)),
                Cell::from(Span::styled(
                    app.texts.enum_text(&r.tier).to_string(),
                    tier_style(theme, &r.tier),
                )),
                Cell::from(last_spoke(app, r.last_spoke.as_deref())),
                Cell::from(Line::from(r.messages_30d.to_string()).right_aligned()),
                Cell::from(Span::styled(
                    r.tier_reason
                        .as_deref()
                        .map(|x| app.texts.tier_reason(x))
                        .unwrap_or_default(),
                    theme.muted,
                )),
            ])
        })
        .collect();
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title,
            columns: vec![
                (&t.col_name, Constraint::Length(NAME_W as u16)),
                (&t.col_group, Constraint::Length(GROUP_W as u16)),
                (&t.col_tier, Constraint::Length(6)),
                (&t.col_last, Constraint::Length(8)),
                (&t.col_30d, Constraint::Length(5)),
                (&t.col_reason, Constraint::Fill(1)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

/// The name, and the alias the search matched in brackets, cut to `width` with `…`: the
/// name keeps at least half of it, so both stay recognisable.
fn name_with_alias(name: &str, alias: Option<&str>, width: usize) -> String {
    let Some(alias) = alias else {
        return truncate(name, width);
    };
    let alias = format!(" ({alias})");
    let alias_w = alias.width();
    let name = truncate(name, width.saturating_sub(alias_w).max(width / 2));
    truncate(&format!("{name}{alias}"), width)
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.members;
    let Some(r) = app.members.current() else {
        return Vec::new();
    };
    vec![
        (
            t.col_name.clone(),
            format!("{}{}", r.name, if r.kol { " ★ KOL" } else { "" }),
        ),
        (t.col_group.clone(), r.group.clone()),
        (t.col_tier.clone(), app.texts.enum_text(&r.tier).to_string()),
        (
            t.col_reason.clone(),
            r.tier_reason
                .as_deref()
                .map(|x| app.texts.tier_reason(x))
                .unwrap_or_default(),
        ),
        (t.col_last.clone(), last_spoke(app, r.last_spoke.as_deref())),
        (t.col_30d.clone(), r.messages_30d.to_string()),
    ]
}

/// The selected member, beside the list on wide screens.
fn pane(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = detail_lines(app, theme, usize::from(inner.width));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The member detail as lines: the pane, and the Enter popup on narrow screens.
pub fn detail_lines<'a>(app: &'a App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let t = &app.texts.members;
    let Some(r) = app.members.current() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let loaded = app.msearch.detail.as_ref().filter(|(d, _)| d.id == r.id);
    let mut head = vec![Span::styled(r.name.clone(), theme.title)];
    if r.kol {
        head.push(Span::styled(" ★ KOL", theme.excellent));
    }
    if let Some((d, _)) = loaded
        && let Some(i) = &d.identity
    {
        head.push(Span::styled(
            format!(" · {}", app.texts.enum_text(i)),
            theme.accent,
        ));
    }
    out.push(Line::from(head));
    if let Some(w) = &r.wxid {
        out.push(Line::from(Span::styled(w.clone(), theme.muted)));
    }
    let label = |s: &str| Span::styled(format!("{s} "), theme.muted);
    out.push(Line::from(vec![
        label(&t.col_tier),
        Span::styled(
            app.texts.enum_text(&r.tier).to_string(),
            tier_style(theme, &r.tier),
        ),
        Span::raw(" · "),
        Span::raw(
            r.tier_reason
                .as_deref()
                .map(|x| app.texts.tier_reason(x))
                .unwrap_or_default(),
        ),
    ]));
    let Some((d, rfm)) = loaded else {
        out.push(Line::from(Span::styled(
            app.texts.loading.clone(),
            theme.muted,
        )));
        return out;
    };
    let max = d.daily.iter().copied().max().unwrap_or(0).max(1) as f64;
    let values: Vec<Option<f64>> = d.daily.iter().map(|&n| Some(n as f64)).collect();
    let mut spark = vec![label(&t.detail_30d)];
    spark.extend(super::widgets::sparkline(&values, max, |_| theme.accent).spans);
    spark.push(Span::styled(
        format!(" {}", d.daily.iter().sum::<i64>()),
        theme.muted,
    ));
    out.push(Line::from(spark));
    for g in &d.groups {
        let mut s = vec![
            label(&t.detail_groups),
            Span::raw(truncate(&g.group, width.saturating_sub(20))),
        ];
        if let Some(n) = &g.nickname {
            s.push(Span::styled(format!(" ({})", truncate(n, 12)), theme.muted));
        }
        let style = if g.left_at.is_some() {
            theme.muted
        } else {
            tier_style(theme, &g.tier)
        };
        s.push(Span::styled(
            format!(" {}", app.texts.enum_text(&g.tier)),
            style,
        ));
        out.push(Line::from(s));
    }
    if !d.aliases.is_empty() {
        out.push(Line::from(vec![
            label(&t.detail_aliases),
            Span::raw(d.aliases.join(" · ")),
        ]));
    }
    if !d.tags.is_empty() {
        out.push(Line::from(vec![
            label(&t.detail_tags),
            Span::styled(
                d.tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                theme.accent,
            ),
        ]));
    }
    let mut pts = vec![label(&t.detail_points), Span::raw(d.points.to_string())];
    if let Some((_, delta, reason, by)) = d.ledger.first() {
        pts.push(Span::styled(
            format!("  ({delta:+} {reason} · {by})"),
            theme.muted,
        ));
    }
    out.push(Line::from(pts));
    if !d.orders.is_empty() {
        let total: i64 = d.orders.iter().map(|o| o.1).sum();
        let last = d
            .orders
            .first()
            .map(|o| super::date_time(app, o.0))
            .unwrap_or_default();
        out.push(Line::from(vec![
            label(&t.detail_orders),
            Span::raw(format!(
                "{} · ¥{}.{:02} · {last}",
                d.orders.len(),
                total / 100,
                (total % 100).abs()
            )),
        ]));
    }
    if let Some(s) = rfm {
        out.push(Line::from(vec![
            label(&t.detail_rfm),
            Span::raw(format!("R{} F{} M{} · ", s.r, s.f, s.m)),
            Span::styled(s.segment.zh(), theme.accent),
        ]));
    }
    for (at, level, reason, by) in d.sanctions.iter().take(3) {
        out.push(Line::from(vec![
            label(&t.detail_sanctions),
            Span::styled(
                format!(
                    "{} {} ",
                    super::date_time(app, *at),
                    app.texts.enum_text(level)
                ),
                theme.danger,
            ),
            Span::raw(format!("{reason} · {by}")),
        ]));
    }
    if let Some(n) = &d.note {
        for (i, l) in super::widgets::wrap(n, width.saturating_sub(6))
            .into_iter()
            .enumerate()
        {
            let lab = if i == 0 {
                label(&t.detail_note)
            } else {
                Span::raw("     ")
            };
            out.push(Line::from(vec![lab, Span::raw(l)]));
        }
    }
    out
}
