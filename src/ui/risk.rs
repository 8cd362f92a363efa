//! The Risk tab (6 风控): the incident queue — level, state, group, member, the word
//! and its list, the evidence cut around the hit (the hit in the alarm colour), the
//! response clock (a pending incident's age, late against the 15-minute review target
//! in the alarm colour) — and the side panel: the words that hit most this week, ad
//! share per group against the 5 % line (DOMAIN.md §6), the on-time shares. Beside the
//! queue on a wide screen; instead of it (`p`) on a narrow one. Also the incident's
//! detail popup and the dry-run preview of a word before it is added.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_segmentation::UnicodeSegmentation;

use super::columns::{Col, KEEP, truncate, truncate_line, width};
use super::widgets::{ListSpec, list};
use super::{Theme, clear_popup, date_time, popup, popup_block, popup_width, scrolled};
use crate::app::App;
use crate::app::risk::WIDE;
use crate::domain::risk::{Action as Act, Judged};
use crate::i18n::{Texts, fill};
use crate::store::risk::{BOARD_DAYS, IncidentRow};

/// Characters of the evidence shown before the hit in the queue.
const LEAD: usize = 6;
/// The side panel's width on a wide screen.
const PANEL_W: u16 = 40;

/// A span of seconds, short: 45秒, 12分, 3小时, 2天.
pub fn span(t: &Texts, secs: i64) -> String {
    let r = &t.risk;
    let secs = secs.max(0);
    if secs < 60 {
        fill(&r.secs, &[("n", &secs)])
    } else if secs < 3600 {
        fill(&r.mins, &[("n", &(secs / 60))])
    } else if secs < 86_400 {
        fill(&r.hours, &[("n", &(secs / 3600))])
    } else {
        fill(&r.days, &[("n", &(secs / 86_400))])
    }
}

fn word_of<'a>(m: &'a std::collections::BTreeMap<String, String>, w: &'a str) -> &'a str {
    m.get(w).map_or(w, String::as_str)
}

fn level_style(theme: &Theme, level: u8) -> Style {
    match level {
        1 => theme.danger.add_modifier(Modifier::BOLD),
        2 => theme.warning,
        _ => Style::default(),
    }
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// The word and its list: `赌博 · 敏感`.
fn word_text(app: &App, r: &IncidentRow) -> String {
    let cat = r
        .category
        .as_deref()
        .map(|c| {
            app.texts
                .keywords
                .categories
                .get(c)
                .or_else(|| app.texts.risk.sources.get(c))
                .map_or(c, String::as_str)
        })
        .unwrap_or_default();
    match (r.keyword.as_deref(), cat.is_empty()) {
        (Some(w), false) => format!("{w} · {cat}"),
        (Some(w), true) => w.to_string(),
        (None, _) => cat.to_string(),
    }
}

/// The evidence on one line, starting a little before the hit (with `…` when cut
/// there), the hit in the alarm colour.
fn evidence_cell(r: &IncidentRow, theme: &Theme, style: Style) -> Line<'static> {
    let Some(e) = r.evidence.as_deref() else {
        return Line::default();
    };
    let one = |s: &str| s.replace(['\n', '\r'], " ");
    match (r.hit_start, r.hit_end) {
        (Some(s), Some(end)) if e.get(s..end).is_some() => {
            let before = &e[..s];
            let n = before.chars().count();
            let before = if n > LEAD {
                format!("…{}", before.chars().skip(n - LEAD).collect::<String>())
            } else {
                before.to_string()
            };
            Line::from(vec![
                Span::styled(one(&before), style),
                Span::styled(one(&e[s..end]), theme.danger.add_modifier(Modifier::BOLD)),
                Span::styled(one(&e[end..]), style),
            ])
        }
        _ => Line::from(Span::styled(one(e), style)),
    }
}

/// The clock's cell: a pending incident's age (late in the alarm colour), a handled
/// one's action and how long it took.
fn clock_cell(app: &App, r: &IncidentRow, theme: &Theme) -> Line<'static> {
    let t = app.texts;
    if r.state().pending() {
        let age = span(t, app.now.timestamp() - r.detected_at);
        let mark = word_of(&t.risk.judged, r.review.word());
        let style = match r.review {
            Judged::Late => theme.danger,
            _ => theme.warning,
        };
        return Line::from(Span::styled(format!("{age} {mark}"), style));
    }
    let action = r.action.as_deref().unwrap_or(r.state.as_str());
    let took = r.act_secs.map(|s| span(t, s)).unwrap_or_default();
    Line::from(Span::styled(
        format!("{} {took}", word_of(&t.risk.actions, action)),
        theme.muted,
    ))
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let panel = app.risk_panel();
    if panel && area.width < WIDE {
        render_panel(app, frame, area, theme);
        return;
    }
    let (list_area, panel_area) = if panel {
        let [l, p] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(PANEL_W)]).areas(area);
        (l, Some(p))
    } else {
        (area, None)
    };
    render_list(app, frame, list_area, theme);
    if let Some(p) = panel_area {
        render_panel(app, frame, p, theme);
    }
}

fn render_list(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.risk;
    let pending: Vec<&IncidentRow> = app
        .risk
        .rows
        .iter()
        .filter(|r| r.state().pending())
        .collect();
    let mut spans = vec![Span::styled(format!(" {}", t.tab_title), theme.title)];
    if !pending.is_empty() {
        let by_level: Vec<String> = (1..=3u8)
            .filter_map(|l| {
                let n = pending.iter().filter(|r| r.level == l).count();
                (n > 0).then(|| fill(&t.tab_level_n, &[("level", &l), ("n", &n)]))
            })
            .collect();
        let style = if pending.iter().any(|r| r.level <= 2) {
            theme.danger
        } else {
            theme.warning
        };
        spans.push(Span::styled(
            format!(
                " · {} ({})",
                fill(&t.tab_pending, &[("n", &pending.len())]),
                by_level.join(" · ")
            ),
            style,
        ));
    }
    spans.push(Span::styled(
        format!(
            " · {}",
            fill(
                &t.tab_review_share,
                &[("share", &share(app.risk_state.on_time.review_share()))]
            )
        ),
        theme.muted,
    ));
    list(
        app,
        frame,
        area,
        theme,
        &app.risk,
        ListSpec {
            title: Line::from(spans),
            // the level, the group and the word stay; the evidence and the state go first
            columns: vec![
                Col::whole(&t.col_level, 9),
                Col::text(&t.col_group, KEEP, 8).want(12),
                Col::text(&t.col_member, 5, 6).want(10),
                Col::text(&t.col_word, KEEP, 6).want(12),
                Col::text(&t.col_evidence, 4, 12).want(28),
                Col::whole(&t.col_clock, 8),
                Col::whole(&t.col_state, 3),
            ],
            empty: &t.tab_empty,
        },
        |_, r| {
            let handled = !r.state().pending();
            let plain = if handled {
                theme.muted
            } else {
                Style::default()
            };
            let cell = |s: String| Line::from(Span::styled(s, plain));
            let level = format!("{} {}", r.level, word_of(&t.levels, &r.level.to_string()));
            vec![
                Line::from(Span::styled(
                    level,
                    if handled {
                        theme.muted
                    } else {
                        level_style(theme, r.level)
                    },
                )),
                cell(r.group.clone().unwrap_or_default()),
                cell(r.member.clone().unwrap_or_default()),
                cell(word_text(app, r)),
                evidence_cell(r, theme, plain),
                clock_cell(app, r, theme),
                cell(word_of(&t.states, &r.state).to_string()),
            ]
        },
    );
}

fn render_panel(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.risk;
    let s = &app.risk_state;
    let w = usize::from(area.width.saturating_sub(3));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let head = |text: String| Line::from(Span::styled(format!(" {text}"), theme.title));
    lines.push(head(t.panel_words.clone()));
    if s.top_words.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("  {}", t.panel_no_words),
            theme.muted,
        )));
    }
    for wh in s.top_words.iter().take(6) {
        let mut spans = vec![Span::raw(format!(
            "  {}",
            fill(
                &t.panel_words_line,
                &[("word", &wh.word), ("n", &wh.incidents)]
            )
        ))];
        if let Some(c) = wh.category.as_deref() {
            spans.push(Span::styled(
                format!(" · {}", word_of(&app.texts.keywords.categories, c)),
                theme.muted,
            ));
        }
        if wh.dismissed > 0 {
            spans.push(Span::styled(
                format!(" · {}", fill(&t.panel_dismissed, &[("n", &wh.dismissed)])),
                theme.warning,
            ));
        }
        lines.push(truncate_line(Line::from(spans), w));
    }
    lines.push(Line::from(""));
    let limit = app
        .rules
        .kpi
        .alerts
        .get("ads_high")
        .and_then(|a| a.above)
        .unwrap_or(0.05);
    lines.push(head(fill(&t.panel_ads, &[("limit", &share(Some(limit)))])));
    let ads: Vec<_> = s.ad_share.iter().filter(|a| a.share.is_some()).collect();
    if ads.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("  {}", t.panel_no_ads),
            theme.muted,
        )));
    }
    // the share right-aligned at the panel's edge, the group cut before it
    for a in ads.iter().take(6) {
        let value = a.share.unwrap_or(0.0);
        let pct = format!("{:.1}%", value * 100.0);
        let name_w = w.saturating_sub(width(&pct) + 3);
        let name = truncate(&a.group, name_w);
        let pad = name_w.saturating_sub(width(&name));
        let style = if value > limit {
            theme.danger.add_modifier(Modifier::BOLD)
        } else {
            theme.ok
        };
        lines.push(Line::from(vec![
            Span::raw(format!("  {name}{} ", " ".repeat(pad))),
            Span::styled(pct, style),
        ]));
    }
    lines.push(Line::from(""));
    let o = &s.on_time;
    let r = &app.rules.risk;
    lines.push(head(fill(&t.panel_on_time, &[("days", &BOARD_DAYS)])));
    let judged_style = |v: Option<f64>| match v {
        Some(x) if x < 0.8 => theme.danger,
        Some(_) => theme.ok,
        None => theme.muted,
    };
    lines.push(truncate_line(
        Line::from(Span::styled(
            format!(
                "  {}",
                fill(
                    &t.panel_detect,
                    &[
                        ("share", &share(o.detect_share())),
                        ("n", &o.detect_on_time),
                        ("of", &o.detect_judged),
                        ("t", &r.detect_minutes),
                    ]
                )
            ),
            judged_style(o.detect_share()),
        )),
        w,
    ));
    lines.push(truncate_line(
        Line::from(Span::styled(
            format!(
                "  {}",
                fill(
                    &t.panel_review,
                    &[
                        ("share", &share(o.review_share())),
                        ("n", &o.review_on_time),
                        ("of", &o.review_judged),
                        ("t", &r.review_minutes),
                    ]
                )
            ),
            judged_style(o.review_share()),
        )),
        w,
    ));
    if o.backfill > 0 {
        lines.push(Line::from(Span::styled(
            format!("  {}", fill(&t.panel_backfill, &[("n", &o.backfill)])),
            theme.muted,
        )));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Styled pieces wrapped at `w` cells, each line led by `lead`: a Latin word moves to
/// the next line whole (unless it is longer than a line), Chinese breaks anywhere.
fn wrap_styled(
    parts: &[(String, Style)],
    w: usize,
    lead: &str,
    first: Span<'static>,
) -> Vec<Line<'static>> {
    let w = w.max(4);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = vec![first];
    let mut used = 0;
    for (text, style) in parts {
        // tokens: a run of Latin letters and digits, or one grapheme
        let mut tokens: Vec<String> = Vec::new();
        for g in text.graphemes(true) {
            let latin = g
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "'’-_.:/".contains(c));
            match tokens.last_mut() {
                Some(t)
                    if latin
                        && t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "'’-_.:/".contains(c)) =>
                {
                    t.push_str(g)
                }
                _ => tokens.push(g.to_string()),
            }
        }
        let mut run = String::new();
        for tok in tokens {
            let newline = tok == "\n" || tok == "\r\n";
            let tw = width(&tok);
            if newline || (used + tw > w && used > 0) {
                cur.push(Span::styled(std::mem::take(&mut run), *style));
                lines.push(Line::from(std::mem::take(&mut cur)));
                cur.push(Span::raw(lead.to_string()));
                used = 0;
                if newline || tok == " " {
                    continue;
                }
            }
            run.push_str(&tok);
            used += tw;
        }
        cur.push(Span::styled(run, *style));
    }
    lines.push(Line::from(cur));
    lines
}

/// The detail popup's lines: the incident, where, the hit, the evidence whole with the
/// hit marked, the clock, what was done, the member's record across groups, and the
/// suggested next step with its key.
pub fn detail_lines(app: &App, theme: &Theme, width_: usize) -> Vec<Line<'static>> {
    let t = &app.texts.risk;
    let Some(r) = app.risk.current() else {
        return Vec::new();
    };
    let labels = [
        &t.d_incident,
        &t.d_where,
        &t.d_word,
        &t.d_evidence,
        &t.d_clock,
        &t.d_action,
        &t.d_record,
        &t.d_next,
    ];
    let label_w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
    let value_w = width_.saturating_sub(label_w + 3).max(8);
    let lead = " ".repeat(label_w + 2);
    let label = |l: &str| {
        Span::styled(
            format!(" {l}{} ", " ".repeat(label_w - width(l))),
            theme.muted,
        )
    };
    let mut lines = Vec::new();
    let mut field = |l: &str, parts: Vec<(String, Style)>| {
        lines.extend(wrap_styled(&parts, value_w, &lead, label(l)));
    };
    let none = || t.d_none.clone();
    field(
        &t.d_incident,
        vec![
            (
                format!(
                    "#{} · {} {}",
                    r.id,
                    r.level,
                    word_of(&t.levels, &r.level.to_string())
                ),
                level_style(theme, r.level),
            ),
            (
                format!(
                    " · {} · {}",
                    word_of(&t.states, &r.state),
                    word_of(&t.sources, &r.source)
                ),
                Style::default(),
            ),
        ],
    );
    field(
        &t.d_where,
        vec![(
            format!(
                "{} · {}",
                r.group.clone().unwrap_or_else(none),
                r.member.clone().unwrap_or_else(none)
            ),
            Style::default(),
        )],
    );
    field(&t.d_word, vec![(word_text(app, r), Style::default())]);
    if let Some(e) = r.evidence.as_deref() {
        let hit = theme
            .danger
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        let parts = match (r.hit_start, r.hit_end) {
            (Some(s), Some(end)) if e.get(s..end).is_some() => vec![
                (e[..s].to_string(), Style::default()),
                (
                    format!("{}{}{}", t.mark_open, &e[s..end], t.mark_close),
                    hit,
                ),
                (e[end..].to_string(), Style::default()),
            ],
            _ => vec![(e.to_string(), Style::default())],
        };
        field(&t.d_evidence, parts);
    }
    let time = |at: Option<i64>| at.map_or_else(none, |a| date_time(app, a));
    let judged = |j: Judged, secs: Option<i64>| {
        let mark = word_of(&t.judged, j.word()).to_string();
        match (j, secs) {
            (Judged::Exempt, _) | (_, None) => mark,
            (_, Some(s)) => format!("{mark} {}", span(app.texts, s)),
        }
    };
    let clock = fill(
        &t.d_clock_line,
        &[
            ("at", &time(Some(r.at))),
            ("detected", &time(Some(r.detected_at))),
            ("detect", &judged(r.detection, Some(r.detect_secs))),
            ("reviewed", &time(r.reviewed_at)),
            ("review", &judged(r.review, r.review_secs)),
            ("acted", &time(r.acted_at)),
        ],
    );
    let clock_style = if r.review == Judged::Late || r.detection == Judged::Late {
        theme.danger
    } else {
        Style::default()
    };
    field(&t.d_clock, vec![(clock, clock_style)]);
    if let Some(a) = &r.action {
        field(
            &t.d_action,
            vec![(
                format!(
                    "{} · {}: {}",
                    word_of(&t.actions, a),
                    r.acted_by.as_deref().unwrap_or_default(),
                    r.note.as_deref().unwrap_or_default()
                ),
                Style::default(),
            )],
        );
    }
    if let Some(rec) = app.risk_record(r) {
        let mut parts = vec![(
            fill(
                &t.d_record_line,
                &[("n", &rec.incidents), ("groups", &rec.groups.join(", "))],
            ),
            Style::default(),
        )];
        if rec.blacklisted {
            parts.push((format!("\n{}", t.d_blacklisted), theme.warning));
        }
        if rec.sanctions.is_empty() {
            parts.push((format!("\n{}", t.no_record), theme.muted));
        }
        for s in rec.sanctions.iter().take(6) {
            parts.push((
                format!(
                    "\n{} {} {} · {}: {}",
                    date_time(app, s.at),
                    s.group.as_deref().unwrap_or("–"),
                    word_of(&t.actions, &s.action),
                    s.by,
                    s.reason
                ),
                theme.muted,
            ));
        }
        field(&t.d_record, parts);
    }
    if r.state().pending() {
        let next = app.risk_suggestion(r);
        let action_name = match next {
            Act::Warn => "risk_warn",
            Act::Mute => "risk_mute",
            Act::Remove => "risk_remove",
            Act::Close => "risk_close",
            Act::Dismiss => "risk_dismiss",
        };
        let key = app.keymap.key_for("risk", action_name).unwrap_or_default();
        field(
            &t.d_next,
            vec![(
                fill(
                    &t.d_next_line,
                    &[("action", &word_of(&t.actions, next.word())), ("key", &key)],
                ),
                theme.accent,
            )],
        );
    }
    lines
}

pub fn detail(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let width_ = popup_width(area, 84);
    let lines = detail_lines(app, theme, usize::from(width_.saturating_sub(2)));
    let rect = popup(area, width_, lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} ", app.texts.risk.detail_title), theme);
    scrolled(app, frame, rect, block, lines, theme);
}

/// The dry-run of a word before it is added: what it would have flagged, and samples.
pub fn preview(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.risk;
    let Some(p) = &app.risk_state.preview else {
        return;
    };
    let width_ = popup_width(area, 84);
    let w = usize::from(width_.saturating_sub(3));
    let cat = app.texts.category(p.category);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let hits = p.report.words.iter().find(|h| h.word == p.word);
    // the word on a list already (or a spelling the lists report as another word)
    let known = hits.is_some_and(|h| !h.proposed);
    match hits {
        None => lines.push(Line::from(Span::styled(
            format!(" {}", t.preview_none),
            theme.ok,
        ))),
        Some(h) => {
            lines.push(truncate_line(
                Line::from(Span::raw(format!(
                    " {}",
                    fill(
                        &t.preview_summary,
                        &[
                            ("scanned", &p.report.scanned),
                            ("messages", &h.messages),
                            ("groups", &h.groups),
                            ("members", &h.members),
                        ],
                    )
                ))),
                w,
            ));
            if h.clean_looking > 0 {
                lines.extend(wrap_styled(
                    &[(
                        fill(&t.preview_clean, &[("n", &h.clean_looking)]),
                        theme.warning,
                    )],
                    w,
                    " ",
                    Span::raw(" "),
                ));
            }
            if !h.samples.is_empty() {
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled(
                    format!(" {}", t.preview_samples),
                    theme.title,
                )));
            }
            for s in &h.samples {
                lines.push(truncate_line(
                    Line::from(Span::styled(
                        format!(
                            "  {} · {} · {}",
                            s.group,
                            s.member.as_deref().unwrap_or("–"),
                            date_time(app, s.sent_at)
                        ),
                        theme.muted,
                    )),
                    w,
                ));
                lines.extend(wrap_styled(
                    &[(s.text.replace('\n', " "), Style::default())],
                    w.saturating_sub(3),
                    "    ",
                    Span::raw("    "),
                ));
            }
        }
    }
    if known {
        lines.push(Line::from(Span::styled(
            format!(" {}", t.preview_known),
            theme.muted,
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(" {}", t.preview_keys),
        theme.key,
    )));
    let rect = popup(area, width_, lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let title = fill(&t.preview_title, &[("word", &p.word), ("category", &cat)]);
    let block = popup_block(format!(" {} ", truncate(&title, w)), theme);
    scrolled(app, frame, rect, block, lines, theme);
}
