//! The Content tab's requests: the queue with its week, mix and weekly review shaped
//! for drawing, one item for its form, saving an item (a colleague's save first keeps
//! the operator's text, on screen and on disk), and moving an item along its pipeline.

use chrono::Datelike as _;
use chrono::{DateTime, NaiveDate, Utc};

use super::describe;
use crate::app::{Action, Loaded};
use crate::console::StoreEnv;
use crate::domain::roles::Perm;
use crate::store::{Store, StoreError, views};

pub fn item(store: &Store, env: &StoreEnv, id: i64) -> Action {
    match crate::store::content::get(store.conn(), id) {
        Ok(item) => Action::Loaded(Loaded::ContentItem(Box::new(item))),
        Err(e) => Action::Error(describe(&e, store, env)),
    }
}

pub fn save(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    (id, version): (Option<i64>, Option<i64>),
    input: &crate::store::content::ContentInput,
) -> Action {
    let at = now.timestamp();
    let tz = env.tz;
    let result = store.write(Perm::ContentDraft, |tx, op| {
        let id = match (id, version) {
            (Some(id), Some(v)) => {
                crate::store::content::save(tx, op, at, id, v, input, tz).map(|()| id)
            }
            _ => crate::store::content::create(tx, op, at, input, tz),
        }?;
        crate::store::content::scan_draft(tx, op, at, tz, &env.rules, &env.keywords, id)?;
        Ok(id)
    });
    match result {
        Ok(id) => Action::Saved(Ok(format!("#{id} {} · ✓", input.title))),
        // A colleague saved first: keep the operator's text (on screen and on disk) and
        // tell who.
        Err(StoreError::Stale { id, by, at, .. }) => Action::ContentConflict {
            id,
            by,
            at,
            rescued: rescue(id, &input.title, &input.body),
        },
        Err(e) => Action::Saved(Err(describe(&e, store, env))),
    }
}

pub fn step(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    id: i64,
    version: Option<i64>,
    step: &crate::store::content::ContentStep,
) -> Action {
    let at = now.timestamp();
    let result = store
        .write(step.perm(), |tx, op| {
            crate::store::content::step(tx, op, at, id, version, step, &env.rules, &env.keywords)
        })
        .map(|state| {
            let mut msg = format!("#{id} → {}", env.texts.enum_text(state.word()));
            // just scheduled: say so if its day is now too full or too close
            if state == crate::domain::content::State::Scheduled
                && let Some(warn) = schedule_note(store, id, env)
            {
                msg.push_str(&warn);
            }
            msg
        })
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}

/// The Content tab: the queue, the week of `day`, the mix (overall and per group, 7 and
/// 30 days to today) and the week's review, shaped for drawing.
pub fn load(
    store: &Store,
    day: NaiveDate,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<crate::app::content::ContentData> {
    let conn = store.conn();
    use crate::app::content::{ContentData, MixLine, MixView, ReviewView, WeekItem, WeekView};
    use crate::store::content;
    let today = crate::clock::local_day(now, env.tz);
    let monday = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
    let groups = views::group_names(conn)?;
    let mix_view = |m: content::MixReport| MixView {
        total: m.total,
        lines: m
            .lines
            .into_iter()
            .map(|l| MixLine {
                kind: l.kind,
                count: l.count,
                share: l.share,
                target: l.target,
            })
            .collect(),
    };
    let mut mix = Vec::new();
    for g in std::iter::once(None).chain(groups.iter().map(|(id, _)| Some(*id))) {
        mix.push((
            g,
            mix_view(content::mix(conn, g, today, 7, env.tz, &env.rules)?),
            mix_view(content::mix(conn, g, today, 30, env.tz, &env.rules)?),
        ));
    }
    let w = content::week(conn, None, monday, env.tz, &env.rules)?;
    let clashing: std::collections::HashSet<i64> = w
        .conflicts
        .iter()
        .flat_map(|c| [c.first, c.second])
        .collect();
    let hhmm = |at: i64| {
        DateTime::from_timestamp(at, 0)
            .map(|t| t.with_timezone(&env.tz).format("%H:%M").to_string())
            .unwrap_or_default()
    };
    let week = WeekView {
        items: w
            .days
            .iter()
            .flat_map(|d| {
                d.items.iter().map(|it| WeekItem {
                    id: it.id,
                    day: d.day,
                    time: hhmm(it.slot),
                    title: it.title.clone(),
                    kind: it.kind,
                    state: it.state,
                    groups: it.groups.iter().map(|(id, _)| *id).collect(),
                    clash: clashing.contains(&it.id),
                })
            })
            .collect(),
        over: w
            .over_posting
            .iter()
            .map(|o| (o.group_id, o.day, o.count))
            .collect(),
        max_per_day: w.max_pushes_per_day,
        // every-day hints (commute hours) go to the legend only
        hints: w
            .days
            .iter()
            .map(|d| {
                d.hints
                    .iter()
                    .filter(|h| !h.weekdays.is_empty())
                    .map(|h| h.when())
                    .collect()
            })
            .collect(),
        legend: env
            .rules
            .content
            .slot_hints
            .iter()
            .map(|h| (h.weekdays.clone(), h.when(), h.what.clone()))
            .collect(),
    };
    let r = content::weekly_review(conn, today, env.tz)?;
    let pick = |ids: &[i64]| -> Vec<(i64, String, f64)> {
        ids.iter()
            .filter_map(|id| r.items.iter().find(|i| i.id == *id))
            .map(|i| (i.id, i.title.clone(), i.value))
            .collect()
    };
    let review = ReviewView {
        end: Some(r.to),
        drop: pick(&r.drop),
        top: pick(&r.top),
        traits: r.traits.clone(),
    };
    Ok(ContentData {
        rows: views::content(conn)?,
        groups,
        monday,
        week,
        mix,
        review,
    })
}

/// After an approval: over-posting and clashes on the item's day in its groups, as a
/// tail for the confirmation (the CLI prints the same as warnings).
pub fn schedule_note(store: &Store, id: i64, env: &StoreEnv) -> Option<String> {
    let conn = store.conn();
    use crate::i18n::fill;
    let item = crate::store::content::get(conn, id).ok()?;
    let day = crate::clock::local_day(DateTime::<Utc>::from_timestamp(item.slot?, 0)?, env.tz);
    let w = crate::store::content::week(conn, None, day, env.tz, &env.rules).ok()?;
    let mine = |g: i64| item.groups.iter().any(|(gid, _)| *gid == g);
    let t = &env.texts.content;
    let mut out = String::new();
    for o in w
        .over_posting
        .iter()
        .filter(|o| o.day == day && mine(o.group_id))
    {
        out.push_str(&format!(
            " · ⚠ {} {}: {} ({})",
            o.group,
            o.day.format("%m-%d"),
            fill(&t.pushes, &[("n", &o.count)]),
            fill(&t.over_posting, &[("max", &o.max)])
        ));
    }
    for c in w
        .conflicts
        .iter()
        .filter(|c| mine(c.group_id) && (c.first == id || c.second == id))
    {
        out.push_str(&format!(
            " · ⚠ {}: {} #{}/#{} ({} min)",
            c.group, t.conflict, c.first, c.second, c.minutes
        ));
    }
    (!out.is_empty()).then_some(out)
}

/// Keep a refused save's text on disk too, so nothing typed is lost even if the
/// console goes away: `$XDG_STATE_HOME/shequn/rescued/content-<id>-<time>.md`.
fn rescue(id: i64, title: &str, body: &str) -> Option<String> {
    let dir = crate::config::log_dir().join("rescued");
    std::fs::create_dir_all(&dir).ok()?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let path = dir.join(format!("content-{id}-{stamp}.md"));
    std::fs::write(&path, format!("# {title}\n\n{body}\n")).ok()?;
    Some(path.display().to_string())
}
