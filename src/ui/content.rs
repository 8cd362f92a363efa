//! The Content tab: the queue by pipeline state (review first: it waits on someone),
//! the mix panel, the week schedule, and the forms (item, review, results) with the
//! terminal cursor on the caret of the focused field.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::columns::{Col, KEEP};
use super::widgets::{ListSpec, list, place_cursor};
use super::{Theme, clear_popup, date_time, popup, popup_block};
use crate::app::App;
use crate::app::content::{ContentView, Field, MixLine};
use crate::i18n::fill;

fn state_style(theme: &Theme, state: &str) -> Style {
    match state {
        "review" => theme.warning,
        "scheduled" => theme.accent,
        "published" => theme.ok,
        "reviewed" => theme.muted,
        _ => Style::default(),
    }
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    // the week needs its width: the panel shows there only when asked for (i)
    let panel = match app.content_state.view {
        ContentView::List => app.content_panel(),
        ContentView::Week => app.content_state.panel == Some(true),
    };
    let (main, side) = if panel && area.width >= 80 {
        let [m, s] = Layout::horizontal([Constraint::Min(50), Constraint::Length(34)]).areas(area);
        (m, Some(s))
    } else {
        (area, None)
    };
    match app.content_state.view {
        ContentView::List => queue(app, frame, main, theme),
        ContentView::Week => week(app, frame, main, theme),
    }
    if let Some(side) = side {
        mix_panel(app, frame, side, theme);
    }
}

fn queue(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let data = &app.content;
    let title = Line::from(Span::styled(format!(" {} ", t.title), theme.title));
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title,
            // the title stays; the owner goes first, then the form, the kind, the slot
            columns: vec![
                Col::whole(&t.col_state, 5),
                Col::text(&t.col_title, KEEP, 12).want(20),
                Col::whole(&t.col_kind, 3),
                Col::whole(&t.col_form, 2),
                Col::whole(&t.col_slot, 4),
                Col::text(&t.col_owner, 1, 6),
            ],
            empty: &t.empty,
        },
        |_, r| {
            vec![
                Line::from(Span::styled(
                    app.texts.enum_text(&r.state).to_string(),
                    state_style(theme, &r.state),
                )),
                Line::from(r.title.clone()),
                Line::from(app.texts.enum_text(&r.kind).to_string()),
                Line::from(app.texts.enum_text(&r.form).to_string()),
                Line::from(r.slot.map(|s| date_time(app, s)).unwrap_or_default()),
                Line::from(r.owner.clone()),
            ]
        },
    );
}

/// The group shown by the week view and the mix panel ("all groups" when none).
fn group_label(app: &App) -> String {
    app.content_state
        .group
        .as_ref()
        .map_or_else(|| app.texts.content.all_groups.clone(), |(_, n)| n.clone())
}

/// The share of 促活 / 转化 / 品牌 against the target, 7 and 30 days, as gauges.
fn mix_panel(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", t.mix_title), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(data) = &app.content_state.data else {
        return;
    };
    let group = app.content_state.group.as_ref().map(|(id, _)| *id);
    let Some((_, m7, m30)) = data.mix.iter().find(|(g, _, _)| *g == group) else {
        return;
    };
    let mut lines = vec![Line::from(Span::styled(group_label(app), theme.key))];
    // the kinds' names padded to the widest (促活 is 4 cells, "convert" 7; at least 5),
    // so the bars line up
    let name_w = crate::domain::content::Kind::ALL
        .iter()
        .map(|k| UnicodeWidthStr::width(app.texts.enum_text(k.word())))
        .max()
        .unwrap_or(0)
        .max(5);
    let bar_w = usize::from(inner.width).saturating_sub(name_w + 11).max(4);
    for (label, m) in [(&t.mix_7, m7), (&t.mix_30, m30)] {
        lines.push(Line::from(Span::styled(
            format!("{label} · {}", m.total),
            theme.muted,
        )));
        if m.total == 0 {
            lines.push(Line::from(Span::styled(
                format!("  {}", t.mix_none),
                theme.muted,
            )));
            continue;
        }
        for l in &m.lines {
            lines.push(gauge_line(app, l, name_w, bar_w, theme));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `促活 ██████░░│░ 62%` — the bar is the share, the mark the target; off-target by
/// more than 10 points is a warning.
fn gauge_line(app: &App, l: &MixLine, name_w: usize, w: usize, theme: &Theme) -> Line<'static> {
    let filled = ((l.share * w as f64).round() as usize).min(w);
    let mark = ((l.target * w as f64).round() as usize).min(w.saturating_sub(1));
    let mut bar = String::new();
    for i in 0..w {
        bar.push(if i == mark {
            '│'
        } else if i < filled {
            '█'
        } else {
            '░'
        });
    }
    let off = (l.share - l.target).abs() > 0.10;
    let style = if off { theme.warning } else { theme.ok };
    let name = app.texts.enum_text(l.kind.word()).to_string();
    let pad = name_w.saturating_sub(UnicodeWidthStr::width(name.as_str()));
    Line::from(vec![
        Span::raw(format!(" {name}{} ", " ".repeat(pad))),
        Span::styled(bar, style),
        Span::styled(format!(" {:>3.0}%", l.share * 100.0), style),
    ])
}

/// The week schedule: a column per day, items by time, over-posting and clashes marked,
/// slot hints under each day's head.
fn week(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let monday = app.content_monday();
    let title = fill(
        &t.week_title,
        &[
            ("date", &monday.format("%Y-%m-%d")),
            ("group", &group_label(app)),
        ],
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(data) = &app.content_state.data else {
        return;
    };
    let group = app.content_state.group.as_ref().map(|(id, _)| *id);
    // the legend of good slots under the grid (DOMAIN.md §4)
    let legend: Vec<String> = data
        .week
        .legend
        .iter()
        .map(|(days, when, what)| {
            let days: Vec<&str> = days.iter().map(|d| app.texts.weekday(*d)).collect();
            if days.is_empty() {
                format!("{when} {what}")
            } else {
                format!("{} {when} {what}", days.join("/"))
            }
        })
        .collect();
    let legend_lines = super::widgets::wrap(
        &format!("☆ {}", legend.join(" · ")),
        usize::from(inner.width),
    );
    let [grid, foot] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length((legend_lines.len() as u16).min(3)),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(
            legend_lines
                .into_iter()
                .map(|l| Line::from(Span::styled(l, theme.muted)))
                .collect::<Vec<_>>(),
        ),
        foot,
    );
    let cols: [Rect; 7] = Layout::horizontal([Constraint::Ratio(1, 7); 7]).areas(grid);
    let today = app.real_today();
    for (d, col) in cols.iter().enumerate() {
        let day = monday + chrono::Days::new(d as u64);
        let w = usize::from(col.width.saturating_sub(1)).max(1);
        let mut lines: Vec<Line<'_>> = Vec::new();
        let head_style = if day == today {
            theme.selected
        } else {
            theme.key
        };
        lines.push(Line::from(Span::styled(
            super::widgets::truncate(
                &format!("{} {}", weekday_label(app, day), day.format("%m-%d")),
                w,
            ),
            head_style,
        )));
        // pushes that day: for one group, or the most any group gets
        let over = data
            .week
            .over
            .iter()
            .filter(|(g, dd, _)| *dd == day && group.is_none_or(|x| x == *g))
            .map(|(_, _, n)| *n)
            .max();
        if let Some(n) = over {
            lines.push(Line::from(Span::styled(
                super::widgets::truncate(
                    &format!(
                        "⚠ {}",
                        fill(&t.over_posting, &[("max", &data.week.max_per_day)])
                    ),
                    w,
                ),
                theme.danger,
            )));
            lines.push(Line::from(Span::styled(
                super::widgets::truncate(&fill(&t.pushes, &[("n", &n)]), w),
                theme.danger,
            )));
        }
        let hints: Vec<&str> = data
            .week
            .hints
            .get(d)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !hints.is_empty() {
            lines.push(Line::from(Span::styled(
                super::widgets::truncate(&format!("☆{}", hints.join(" ")), w),
                theme.muted,
            )));
        }
        for it in data
            .week
            .items
            .iter()
            .filter(|i| i.day == day && group.is_none_or(|g| i.groups.contains(&g)))
        {
            let style = if it.clash {
                theme.warning
            } else {
                state_style(theme, it.state.word())
            };
            let mark = if it.clash { "⚠" } else { "" };
            lines.push(Line::from(Span::styled(
                super::widgets::truncate(&format!("{}{mark}", it.time), w),
                style,
            )));
            lines.push(Line::from(Span::raw(super::widgets::truncate(
                &it.title, w,
            ))));
        }
        frame.render_widget(Paragraph::new(lines), *col);
    }
}

fn weekday_label(app: &App, day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    app.texts.weekday(day.weekday()).to_string()
}

/// The weekly review: the bottom 20 % to drop, and what the top items share.
pub fn weekly(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let Some(data) = &app.content_state.data else {
        return;
    };
    let r = &data.review;
    let end = r.end.unwrap_or_else(|| app.real_today());
    let width = super::popup_width(area, 76);
    let inner_w = usize::from(width.saturating_sub(4));
    let mut lines: Vec<Line<'_>> = Vec::new();
    if r.drop.is_empty() && r.top.is_empty() {
        lines.push(Line::from(Span::styled(
            t.weekly_empty.clone(),
            theme.muted,
        )));
    } else {
        lines.push(Line::from(Span::styled(
            t.weekly_drop.clone(),
            theme.danger,
        )));
        for (id, title, score) in &r.drop {
            lines.push(Line::from(format!(
                "  #{id} {} · {}",
                super::widgets::truncate(title, inner_w.saturating_sub(16)),
                fill(&t.score, &[("n", &format!("{score:.0}"))])
            )));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(t.weekly_top.clone(), theme.ok)));
        for (id, title, score) in &r.top {
            lines.push(Line::from(format!(
                "  #{id} {} · {}",
                super::widgets::truncate(title, inner_w.saturating_sub(16)),
                fill(&t.score, &[("n", &format!("{score:.0}"))])
            )));
        }
        if let Some(tr) = &r.traits {
            let rest = tr
                .title_chars_rest
                .map_or_else(|| "—".to_string(), |n| format!("{n:.0}"));
            let text = fill(
                &t.weekly_traits,
                &[
                    ("form", &app.texts.enum_text(tr.form.word())),
                    ("weekday", &app.texts.weekday(tr.weekday)),
                    ("hour", &tr.hour),
                    ("top", &format!("{:.0}", tr.title_chars_top)),
                    ("rest", &rest),
                ],
            );
            for l in super::widgets::wrap(&text, inner_w) {
                lines.push(Line::from(Span::styled(format!("  {l}"), theme.muted)));
            }
        }
    }
    let rect = popup(area, width, (lines.len() as u16 + 2).min(area.height));
    clear_popup(frame, rect);
    let block = popup_block(
        format!(
            " {} ",
            fill(&t.weekly_title, &[("date", &end.format("%Y-%m-%d"))])
        ),
        theme,
    );
    super::scrolled(app, frame, rect, block, lines, theme);
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.content;
    let Some(r) = app.content.current() else {
        return Vec::new();
    };
    let mut fields = vec![
        (t.col_title.clone(), r.title.clone()),
        (
            t.col_state.clone(),
            app.texts.enum_text(&r.state).to_string(),
        ),
        (t.col_kind.clone(), app.texts.enum_text(&r.kind).to_string()),
        (t.col_form.clone(), app.texts.enum_text(&r.form).to_string()),
        (
            t.col_slot.clone(),
            r.slot.map(|s| date_time(app, s)).unwrap_or_default(),
        ),
        (t.col_owner.clone(), r.owner.clone()),
        (t.col_groups.clone(), r.groups.join("、")),
    ];
    // the whole item, once the store has answered for this row
    let Some(item) = app.content_state.detail.as_ref().filter(|i| i.id == r.id) else {
        return fields;
    };
    fields.push((t.material.clone(), item.material_name.clone()));
    fields.push((t.author.clone(), item.author.clone()));
    if !item.tags.is_empty() {
        fields.push((t.f_tags.clone(), item.tags.join("、")));
    }
    if let Some(reason) = &item.reject_reason {
        fields.push((t.detail_reject.clone(), reason.clone()));
    }
    for rv in &item.reviews {
        let mark = |c: &crate::domain::content::Check, label: &str| {
            let m = if c.pass { "✓" } else { "✗" };
            if c.note.is_empty() {
                format!("{label}{m}")
            } else {
                format!("{label}{m} {}", c.note)
            }
        };
        let mut v = format!(
            "{} {} · {} · {} · {}",
            rv.reviewer,
            date_time(app, rv.at),
            mark(&rv.compliance, &t.check_compliance),
            mark(&rv.fit, &t.check_fit),
            mark(&rv.appeal, &t.check_appeal)
        );
        if let Some(o) = &rv.override_reason {
            v.push_str(&format!(" · {}: {o}", t.override_reason));
        }
        fields.push((t.detail_reviews.clone(), v));
    }
    if let Some(res) = &item.results {
        let n = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |x| x.to_string());
        fields.push((
            t.detail_results.clone(),
            format!(
                "{} {} · {} {} · {} {} · {} {} · {} {}",
                t.r_opens,
                n(res.opens),
                t.r_forwards,
                n(res.forwards),
                t.r_replies,
                n(res.replies),
                t.r_clicks,
                n(res.clicks),
                t.r_orders,
                n(res.orders)
            ),
        ));
    }
    if !item.body.is_empty() {
        fields.push((t.f_body.clone(), item.body.clone()));
    }
    fields
}

/// A label padded to `w` display columns.
fn label(text: &str, w: usize, focused: bool, theme: &Theme) -> Span<'static> {
    let pad = w.saturating_sub(UnicodeWidthStr::width(text));
    let style = if focused { theme.key } else { theme.muted };
    Span::styled(format!("{text}{} ", " ".repeat(pad)), style)
}

/// The item form: fields on top, the body below, keyword hits, errors and a hint.
pub fn form(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let Some(f) = &app.content_state.form else {
        return;
    };
    let rect = popup(area, area.width.min(100), area.height);
    clear_popup(frame, rect);
    let head = if f.id.is_some() {
        &t.edit_title
    } else {
        &t.new_title
    };
    let material = f
        .material
        .clone()
        .unwrap_or_else(|| f.proposed_material(app.real_today()));
    let block = popup_block(format!(" {head} · {material} "), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lw = [
        &t.f_title,
        &t.f_kind,
        &t.f_groups,
        &t.f_slot,
        &t.f_tags,
        &t.f_body,
    ]
    .iter()
    .map(|s| UnicodeWidthStr::width(s.as_str()))
    .max()
    .unwrap_or(4);
    let message = f
        .conflict
        .as_ref()
        .map(|c| {
            let file = c
                .rescued
                .as_ref()
                .map(|p| fill(&t.rescued_in, &[("path", p)]))
                .unwrap_or_default();
            (
                fill(&t.stale, &[("by", &c.by), ("at", &c.at), ("file", &file)]),
                theme.warning,
            )
        })
        .or_else(|| f.error.clone().map(|e| (e, theme.danger)));
    let msg_lines = message.as_ref().map_or(Vec::new(), |(m, _)| {
        super::widgets::wrap(m, usize::from(inner.width))
    });
    let [fields, sep, body, hits, msg, hint] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(u16::from(!f.hits.is_empty())),
        Constraint::Length((msg_lines.len() as u16).min(3)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let rows: [Rect; 5] = Layout::vertical([Constraint::Length(1); 5]).areas(fields);
    let lw16 = lw as u16 + 1;
    // a text field: label, then the textarea (its caret only when focused)
    let text_field = |frame: &mut Frame<'_>, area: Rect, name: &str, field: Field| {
        let focused = f.focus == field;
        frame.render_widget(Line::from(label(name, lw, focused, theme)), area);
        let rest = Rect::new(area.x + lw16, area.y, area.width.saturating_sub(lw16), 1);
        if let Some(ta) = f.text(field) {
            frame.render_widget(ta, rest);
            if focused {
                place_cursor(frame, ta, rest);
            }
        }
    };
    text_field(frame, rows[0], &t.f_title, Field::Title);
    // kind, form, column on one line
    {
        let area = rows[1];
        let sel = |v: &str, focused: bool| {
            if focused {
                Span::styled(format!("◀ {v} ▶"), theme.selected)
            } else {
                Span::raw(format!("  {v}  "))
            }
        };
        let kind = app.texts.enum_text(f.kind.word()).to_string();
        let form = app.texts.enum_text(f.form.word()).to_string();
        let line = Line::from(vec![
            label(&t.f_kind, lw, f.focus == Field::Kind, theme),
            sel(&kind, f.focus == Field::Kind),
            Span::raw("  "),
            label(&t.f_form, 0, f.focus == Field::Form, theme),
            sel(&form, f.focus == Field::Form),
            Span::raw("  "),
            label(&t.f_column, 0, f.focus == Field::Column, theme),
        ]);
        let used = line.width() as u16;
        frame.render_widget(line, area);
        let rest = Rect::new(area.x + used, area.y, area.width.saturating_sub(used), 1);
        frame.render_widget(&f.column, rest);
        if f.focus == Field::Column {
            place_cursor(frame, &f.column, rest);
        }
    }
    text_field(frame, rows[2], &t.f_groups, Field::Groups);
    // slot and owner share a line
    {
        let area = rows[3];
        let half = area.width / 2;
        text_field(
            frame,
            Rect::new(area.x, area.y, half, 1),
            &t.f_slot,
            Field::Slot,
        );
        let right = Rect::new(area.x + half, area.y, area.width - half, 1);
        let ow = UnicodeWidthStr::width(t.f_owner.as_str());
        frame.render_widget(
            Line::from(label(&t.f_owner, ow, f.focus == Field::Owner, theme)),
            right,
        );
        let rest = Rect::new(
            right.x + ow as u16 + 1,
            right.y,
            right.width.saturating_sub(ow as u16 + 1),
            1,
        );
        frame.render_widget(&f.owner, rest);
        if f.focus == Field::Owner {
            place_cursor(frame, &f.owner, rest);
        }
    }
    text_field(frame, rows[4], &t.f_tags, Field::Tags);
    let body_label = format!("─ {} ", t.f_body);
    let fill_w = usize::from(sep.width).saturating_sub(UnicodeWidthStr::width(body_label.as_str()));
    frame.render_widget(
        Line::from(Span::styled(
            format!("{body_label}{}", "─".repeat(fill_w)),
            if f.focus == Field::Body {
                theme.key
            } else {
                theme.muted
            },
        )),
        sep,
    );
    frame.render_widget(&f.body, body);
    if f.focus == Field::Body {
        place_cursor(frame, &f.body, body);
    }
    if !f.hits.is_empty() {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for h in &f.hits {
            let cat = app.texts.enum_text(h.category.word());
            if !seen.iter().any(|(w, _)| *w == h.word) {
                seen.push((h.word.clone(), cat));
            }
        }
        let words: Vec<String> = seen.iter().map(|(w, c)| format!("{w}({c})")).collect();
        frame.render_widget(
            Line::from(Span::styled(
                format!("⚠ {}: {}", t.hits, words.join(" · ")),
                theme.warning,
            )),
            hits,
        );
    }
    if let Some((_, style)) = &message {
        let lines: Vec<Line<'_>> = msg_lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, *style)))
            .collect();
        frame.render_widget(Paragraph::new(lines), msg);
    }
    // the hint follows the focus: known groups, good slots, or the keys
    let hint_text = match f.focus {
        Field::Groups => {
            // the groups matching what is being typed (the last name in the list)
            let typed = crate::app::content::text_of(&f.groups);
            let known: Vec<&str> = app
                .content_state
                .data
                .as_ref()
                .map(|d| crate::app::content::group_matches(&typed, &d.groups))
                .unwrap_or_default();
            fill(&t.groups_hint, &[("known", &known.join(", "))])
        }
        Field::Slot => {
            let hints: Vec<String> = app
                .rules
                .content
                .slot_hints
                .iter()
                .filter(|h| h.kind.as_deref().is_none_or(|k| k == f.kind.word()))
                .map(|h| format!("{} {}", h.when(), h.what))
                .collect();
            fill(&t.slot_hint, &[("hints", &hints.join(" · "))])
        }
        _ => t.form_hint.clone(),
    };
    frame.render_widget(
        Line::from(Span::styled(
            super::widgets::truncate(&hint_text, usize::from(hint.width)),
            theme.muted,
        )),
        hint,
    );
}

/// The review: three checks with notes, keyword hits, the override reason.
pub fn review(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let Some(f) = &app.content_state.review else {
        return;
    };
    let hit_lines = u16::from(!f.hits.is_empty());
    // author, three checks, [a blank and the hits], the reason, a blank, the verdict,
    // [the error], the keys — plus the frame
    let height = (10 + hit_lines * 2 + u16::from(f.error.is_some())).min(area.height);
    let rect = popup(area, area.width.min(90), height);
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} · {} ", t.review_title, f.title), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let names = [&t.check_compliance, &t.check_fit, &t.check_appeal];
    let lw = names
        .iter()
        .chain([&&t.override_reason])
        .map(|s| UnicodeWidthStr::width(s.as_str()))
        .max()
        .unwrap_or(4);
    let pass_w =
        UnicodeWidthStr::width(t.pass.as_str()).max(UnicodeWidthStr::width(t.fail.as_str()));
    let mut y = inner.y;
    let line_at = |y: u16| Rect::new(inner.x, y, inner.width, 1);
    frame.render_widget(
        Line::from(Span::styled(
            format!("{}: {}", t.author, f.author),
            theme.muted,
        )),
        line_at(y),
    );
    y += 1;
    for (i, name) in names.iter().enumerate() {
        let (pass, note) = &f.checks[i];
        let focused = f.focus == i;
        let verdict = if *pass { &t.pass } else { &t.fail };
        let pad = pass_w.saturating_sub(UnicodeWidthStr::width(verdict.as_str()));
        let mark = if *pass { "✓" } else { "✗" };
        let style = if *pass { theme.ok } else { theme.danger };
        let line = Line::from(vec![
            label(name, lw, focused, theme),
            Span::styled(format!("{mark} {verdict}{} ", " ".repeat(pad)), style),
            Span::styled(format!("{} ", t.note), theme.muted),
        ]);
        let used = line.width() as u16;
        let area = line_at(y);
        frame.render_widget(line, area);
        let rest = Rect::new(area.x + used, y, area.width.saturating_sub(used), 1);
        frame.render_widget(note, rest);
        if focused {
            place_cursor(frame, note, rest);
        }
        y += 1;
    }
    if !f.hits.is_empty() {
        let words: Vec<String> = f
            .hits
            .iter()
            .map(|h| format!("{}({})", h.word, app.texts.enum_text(h.category.word())))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        y += 1;
        frame.render_widget(
            Line::from(Span::styled(
                format!("⚠ {}: {}", t.hits, words.join(" · ")),
                theme.warning,
            )),
            line_at(y),
        );
        y += 1;
    }
    {
        let focused = f.focus == 3;
        let area = line_at(y);
        frame.render_widget(
            Line::from(label(&t.override_reason, lw, focused, theme)),
            area,
        );
        let rest = Rect::new(
            area.x + lw as u16 + 1,
            y,
            area.width.saturating_sub(lw as u16 + 1),
            1,
        );
        frame.render_widget(&f.override_reason, rest);
        if focused {
            place_cursor(frame, &f.override_reason, rest);
        }
        y += 2;
    }
    let all_pass = f.checks.iter().all(|(p, _)| *p);
    let verdict = if all_pass {
        (&t.verdict_approve, theme.ok)
    } else {
        (&t.verdict_reject, theme.warning)
    };
    if y < inner.bottom() {
        frame.render_widget(
            Line::from(Span::styled(verdict.0.clone(), verdict.1)),
            line_at(y),
        );
        y += 1;
    }
    if let Some(e) = &f.error
        && y < inner.bottom()
    {
        frame.render_widget(
            Line::from(Span::styled(e.clone(), theme.danger)),
            line_at(y),
        );
    }
    let hint = line_at(inner.bottom().saturating_sub(1));
    frame.render_widget(
        Line::from(Span::styled(
            super::widgets::truncate(&t.review_hint, usize::from(hint.width)),
            theme.muted,
        )),
        hint,
    );
}

/// Results of a published item.
pub fn results(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let Some(f) = &app.content_state.results else {
        return;
    };
    let rect = popup(area, area.width.min(64), 10.min(area.height));
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} · {} ", t.results_title, f.title), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let names = [
        &t.r_opens,
        &t.r_forwards,
        &t.r_replies,
        &t.r_clicks,
        &t.r_orders,
    ];
    let lw = names
        .iter()
        .map(|s| UnicodeWidthStr::width(s.as_str()))
        .max()
        .unwrap_or(4);
    for (i, name) in names.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let focused = f.focus == i;
        let area = Rect::new(inner.x, y, inner.width, 1);
        frame.render_widget(Line::from(label(name, lw, focused, theme)), area);
        let rest = Rect::new(
            area.x + lw as u16 + 1,
            y,
            12.min(area.width.saturating_sub(lw as u16 + 1)),
            1,
        );
        frame.render_widget(&f.fields[i], rest);
        if focused {
            place_cursor(frame, &f.fields[i], rest);
        }
    }
    let y = inner.y + 6;
    if let Some(e) = &f.error
        && y < inner.bottom()
    {
        frame.render_widget(
            Line::from(Span::styled(e.clone(), theme.danger)),
            Rect::new(inner.x, y, inner.width, 1),
        );
    }
    let hint = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    frame.render_widget(
        Line::from(Span::styled(
            super::widgets::truncate(&t.results_hint, usize::from(hint.width)),
            theme.muted,
        )),
        hint,
    );
}
