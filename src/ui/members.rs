//! The Members tab: one row per member per group, with tier, last message and 30-day
//! volume. Only the rows in view are built, so 100,000 members scroll as fast as 100.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Theme;
use super::columns::{Col, KEEP};
use super::widgets::{ListSpec, list, truncate};

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
const PANE_W: u16 = 48;

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    if app.members_pane() && area.width >= crate::app::members::PANE_MIN_WIDTH {
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
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title,
            // the name and the group stay; the reason goes first, then the 30-day
            // count, the tier, the last message
            columns: vec![
                Col::text(&t.col_name, KEEP, 8).want(10).tail(),
                Col::text(&t.col_group, KEEP, 10).want(16),
                Col::whole(&t.col_tier, 4),
                Col::whole(&t.col_last, 3).right(),
                Col::whole(&t.col_30d, 2).right(),
                Col::text(&t.col_reason, 1, 12),
            ],
            empty: &t.empty,
        },
        |_, r| {
            // ⚠ a new member silent for 3 days (time for a private chat); a long
            // nickname is cut by the column, with an ellipsis
            let warn =
                crate::app::members::new_and_silent(r, app.now.timestamp(), &app.rules.tiers);
            let name = match (&r.group_nickname, matcher.is_empty()) {
                (Some(alias), false)
                    if matcher
                        .score([r.name.as_str(), alias.as_str()])
                        .is_some_and(|hit| hit.text == 1) =>
                {
                    format!("{} ({alias})", r.name)
                }
                _ => r.name.clone(),
            };
            // the ★ is its own span, kept when the name is cut (`Col::tail`)
            let name = if warn {
                Line::from(format!("⚠{name}"))
            } else if r.kol {
                Line::from(vec![Span::raw(name), Span::raw(" ★")])
            } else {
                Line::from(name)
            };
            vec![
                name,
                Line::from(r.group.clone()),
                Line::from(Span::styled(
                    app.texts.enum_text(&r.tier).to_string(),
                    tier_style(theme, &r.tier),
                )),
                Line::from(last_spoke(app, r.last_spoke.as_deref())),
                Line::from(r.messages_30d.to_string()),
                Line::from(Span::styled(
                    r.tier_reason
                        .as_deref()
                        .map(|x| app.texts.tier_reason(x))
                        .unwrap_or_default(),
                    theme.muted,
                )),
            ]
        },
    );
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
        .border_style(theme.border)
        .padding(ratatui::widgets::Padding::horizontal(1));
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
        // since when (and until when) a member of it: after the group when it fits,
        // else on a line of its own under it (the group's name is not cut for it)
        let day = |at: i64| {
            chrono::DateTime::from_timestamp(at, 0)
                .map(|t| t.with_timezone(&app.tz).format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        let mut when = Vec::new();
        if let Some(at) = g.joined_at {
            when.push(fill(&t.detail_joined, &[("date", &day(at))]));
        }
        if let Some(at) = g.left_at {
            when.push(fill(&t.detail_left, &[("date", &day(at))]));
        }
        let when = when.join(" · ");
        let used = Line::from(s.clone()).width();
        if when.is_empty() {
            out.push(Line::from(s));
        } else if used + 3 + unicode_width::UnicodeWidthStr::width(when.as_str()) <= width {
            s.push(Span::styled(format!(" · {when}"), theme.muted));
            out.push(Line::from(s));
        } else {
            out.push(Line::from(s));
            let indent = label(&t.detail_groups).width();
            out.push(Line::from(Span::styled(
                format!("{}{when}", " ".repeat(indent)),
                theme.muted,
            )));
        }
    }
    // the names they went by (search finds them by these too); none said so
    out.push(Line::from(vec![
        label(&t.detail_aliases),
        if d.aliases.is_empty() {
            Span::styled("—", theme.muted)
        } else {
            Span::raw(d.aliases.join(" · "))
        },
    ]));
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
            Span::styled(app.texts.segments.name(s.segment), theme.accent),
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
