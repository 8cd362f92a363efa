//! Read models: what each console tab shows, loaded in one go on the store thread (never
//! while drawing). Each loader is a plain query over the shared file; the CLI uses the
//! same loaders so the console and scripts always agree.

use chrono::{Datelike, Days, NaiveDate};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::Result;
pub use super::reminders::{ReminderRow, due_count};

/// One item of a day's checklist. The JSON of `sop today` is this struct: the fields of
/// PRODUCT.md (`id`, `group`, `slot`, `title`, `state`, `done_by`, `done_at`) plus a few
/// more that scripts find useful.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SopRow {
    pub id: i64,
    pub group: String,
    pub slot: String,
    pub title: String,
    pub state: String,
    pub done_by: Option<String>,
    pub done_at: Option<i64>,
    pub day: String,
    pub expires: Option<String>,
    pub note: Option<String>,
    pub assignee: Option<String>,
    pub claimed_by: Option<String>,
    /// A mass send (counts against the group's quota).
    pub send: bool,
    #[serde(skip)]
    pub group_id: i64,
    /// The template item it came from (None for tasks made by alerts).
    #[serde(skip)]
    pub item_id: Option<i64>,
    #[serde(skip)]
    pub version: i64,
    /// The script (话术) with this group's override, placeholders not yet filled.
    #[serde(skip)]
    pub script: String,
    /// Days to the event, for countdown items.
    #[serde(skip)]
    pub countdown: Option<u32>,
    /// A scheduled content item posting to this group today (not an SOP item): the
    /// Today tab shows it at its slot; marking it done publishes it.
    #[serde(skip)]
    pub content_id: Option<i64>,
}

/// How many groups the team runs (not archived): none means a first run.
pub fn group_count(conn: &Connection) -> Result<usize> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM groups WHERE archived = 0")?
        .query_row([], |r| r.get::<_, i64>(0))? as usize)
}

pub fn today(conn: &Connection, day: NaiveDate) -> Result<Vec<SopRow>> {
    checklist(conn, day, "s.day = ?1")
}

/// [`today`] plus the tasks of KPI alerts still open that fell on an earlier day and
/// are not done: such a task stays on the list until it is done or its alert closes.
/// The same for the task of a late launch phase (issue 16): it stays until it is done,
/// or set aside when the phase passes; and for a risk incident's task (issue 15), until
/// the incident is handled. (The console and `sop today` show this; `export
/// checklist` keeps to exact days.)
pub fn today_open(conn: &Connection, day: NaiveDate) -> Result<Vec<SopRow>> {
    checklist(
        conn,
        day,
        "s.day = ?1 OR (s.alert_id IS NOT NULL AND s.day < ?1 AND s.state IN ('todo', 'missed')
             AND EXISTS (SELECT 1 FROM alerts a WHERE a.id = s.alert_id AND a.closed_at IS NULL))
         OR (s.incident_id IS NOT NULL AND s.day < ?1 AND s.state IN ('todo', 'missed')
             AND EXISTS (SELECT 1 FROM risk_incidents r WHERE r.id = s.incident_id
                 AND r.state IN ('open', 'reviewed')))
         OR (s.item_id IS NULL AND s.alert_id IS NULL AND s.day < ?1
             AND s.state IN ('todo', 'missed')
             AND EXISTS (SELECT 1 FROM launch_phases p WHERE p.task_id = s.id))",
    )
}

fn checklist(conn: &Connection, day: NaiveDate, filter: &str) -> Result<Vec<SopRow>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT s.id, g.name, s.slot, s.title, s.state, s.done_by, s.done_at, s.day, s.expires,
                s.note, s.assignee, s.claimed_by, COALESCE(i.send, 0), s.group_id, s.version,
                COALESCE(o.script, i.script, ''), i.recurrence, s.item_id
         FROM sop_instances s
         JOIN groups g ON g.id = s.group_id
         LEFT JOIN sop_items i ON i.id = s.item_id
         LEFT JOIN sop_overrides o ON o.group_id = s.group_id AND o.item_id = s.item_id
         WHERE {filter} ORDER BY s.slot, g.name, s.id"
    ))?;
    let rows = st.query_map([day.to_string()], |r| {
        let rec: Option<String> = r.get(16)?;
        Ok(SopRow {
            id: r.get(0)?,
            group: r.get(1)?,
            slot: r.get(2)?,
            title: r.get(3)?,
            state: r.get(4)?,
            done_by: r.get(5)?,
            done_at: r.get(6)?,
            day: r.get(7)?,
            expires: r.get(8)?,
            note: r.get(9)?,
            assignee: r.get(10)?,
            claimed_by: r.get(11)?,
            send: r.get(12)?,
            group_id: r.get(13)?,
            item_id: r.get(17)?,
            version: r.get(14)?,
            script: r.get(15)?,
            countdown: rec
                .and_then(|r| crate::domain::sop::Recurrence::parse(&r).ok())
                .and_then(|r| r.countdown()),
            content_id: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Content posts of a day, one row per target group, shaped like the day's SOP items
/// so the Today tab lists them at their slot: scheduled = todo, published = done.
pub fn content_today(conn: &Connection, day: NaiveDate, tz: chrono_tz::Tz) -> Result<Vec<SopRow>> {
    let posts = super::content::scheduled_on(conn, day, tz)?;
    Ok(posts
        .into_iter()
        .map(|p| {
            let done = p.state != crate::domain::content::State::Scheduled;
            SopRow {
                // unique among the day's rows: SOP instance ids are positive
                id: -(p.content_id * 1_000_000 + p.group_id),
                group: p.group,
                slot: chrono::DateTime::from_timestamp(p.slot, 0)
                    .map(|t| t.with_timezone(&tz).format("%H:%M").to_string())
                    .unwrap_or_default(),
                title: p.title,
                state: if done { "done" } else { "todo" }.to_string(),
                done_by: done.then_some(p.updated_by),
                done_at: done.then_some(p.updated_at),
                day: day.to_string(),
                expires: None,
                note: None,
                assignee: Some(p.owner),
                claimed_by: None,
                send: true,
                group_id: p.group_id,
                item_id: None,
                version: p.version,
                script: p.body,
                countdown: None,
                content_id: Some(p.content_id),
            }
        })
        .collect())
}

/// A group's mass sends this month against its quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub group_id: i64,
    pub group: String,
    /// Sends done (or published) this month before `day`, plus those done on `day`.
    pub used: i64,
    /// Sends still open on `day`.
    pub planned: i64,
    pub limit: i64,
}

impl Quota {
    /// The day's plan would take the group past its quota.
    pub fn over(&self) -> bool {
        self.used + self.planned > self.limit
    }
}

/// Sends per group in `day`'s month. `limit` is the quota for that month.
pub fn quotas(
    conn: &Connection,
    day: NaiveDate,
    limit: i64,
    tz: chrono_tz::Tz,
) -> Result<Vec<Quota>> {
    let first = day.with_day(1).unwrap_or(day);
    let month_start = first.to_string();
    let (month_from, _) = crate::clock::day_bounds(first, tz);
    let (day_from, day_to) = crate::clock::day_bounds(day, tz);
    // Scheduled content is a mass send too: published this month counts as used,
    // scheduled for `day` as planned.
    let mut st = conn.prepare_cached(
        "SELECT g.id, g.name,
                COALESCE(sum(CASE WHEN s.state = 'done' AND COALESCE(i.send, 0) = 1 THEN 1 END), 0)
                + (SELECT count(*) FROM content_groups cg JOIN content_items c ON c.id = cg.content_id
                    WHERE cg.group_id = g.id AND c.state IN ('published', 'reviewed')
                      AND c.slot >= ?3 AND c.slot < ?5),
                COALESCE(sum(CASE WHEN s.day = ?2 AND s.state IN ('todo', 'missed')
                                   AND COALESCE(i.send, 0) = 1 THEN 1 END), 0)
                + (SELECT count(*) FROM content_groups cg JOIN content_items c ON c.id = cg.content_id
                    WHERE cg.group_id = g.id AND c.state = 'scheduled'
                      AND c.slot >= ?4 AND c.slot < ?5)
         FROM groups g
         LEFT JOIN sop_instances s ON s.group_id = g.id AND s.day BETWEEN ?1 AND ?2
         LEFT JOIN sop_items i ON i.id = s.item_id
         WHERE g.archived = 0
         GROUP BY g.id ORDER BY g.name",
    )?;
    let rows = st.query_map(
        params![month_start, day.to_string(), month_from, day_from, day_to],
        |r| {
            Ok(Quota {
                group_id: r.get(0)?,
                group: r.get(1)?,
                used: r.get(2)?,
                planned: r.get(3)?,
                limit,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One operator's punctuality over a period: items done, and done before they expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnTime {
    pub operator: String,
    pub done: i64,
    pub on_time: i64,
}

/// On-time rate per operator for items of `from..=to`.
pub fn on_time(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    tz: chrono_tz::Tz,
) -> Result<Vec<OnTime>> {
    let mut st = conn.prepare_cached(
        "SELECT done_by, day, COALESCE(expires, '23:59'), done_at FROM sop_instances
         WHERE state = 'done' AND done_by IS NOT NULL AND day BETWEEN ?1 AND ?2",
    )?;
    let mut per: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    let rows = st.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in rows {
        let (who, day, expires, at) = row?;
        let e = per.entry(who).or_default();
        e.0 += 1;
        let deadline = crate::store::sop::expiry_instant(&day, &expires, tz);
        if let (Some(d), Some(at)) = (deadline, at)
            && at <= d.timestamp()
        {
            e.1 += 1;
        }
    }
    Ok(per
        .into_iter()
        .map(|(operator, (done, on_time))| OnTime {
            operator,
            done,
            on_time,
        })
        .collect())
}

/// How one day of the checklist went, for the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DaySummary {
    pub day: NaiveDate,
    pub items: i64,
    pub done: i64,
    pub missed: i64,
}

/// Every day of `month` that has items, for the calendar.
pub fn month_summary(conn: &Connection, month: NaiveDate) -> Result<Vec<DaySummary>> {
    let first = month.with_day(1).unwrap_or(month);
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let mut st = conn.prepare_cached(
        "SELECT day, count(*), sum(state = 'done'), sum(state = 'missed') FROM sop_instances
         WHERE day BETWEEN ?1 AND ?2 GROUP BY day ORDER BY day",
    )?;
    let rows = st.query_map(params![first.to_string(), last.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (d, items, done, missed) = row?;
        if let Ok(day) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            out.push(DaySummary {
                day,
                items,
                done,
                missed,
            });
        }
    }
    Ok(out)
}

/// Templates as (code, name), for applying from the console.
pub fn templates(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut st = conn.prepare_cached("SELECT code, name FROM sop_templates ORDER BY code")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every group, by name: (id, name).
pub fn group_names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM groups ORDER BY name")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Operators' logins, for assigning.
pub fn operators(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT login FROM operators ORDER BY login")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    #[serde(skip)]
    pub membership_id: i64,
    pub id: i64,
    pub name: String,
    pub group: String,
    pub tier: String,
    pub tier_reason: Option<String>,
    pub kol: bool,
    pub last_spoke: Option<String>,
    pub messages_30d: i64,
    pub messages_total: i64,
    pub points: i64,
    #[serde(skip)]
    pub wxid: Option<String>,
    #[serde(skip)]
    pub group_nickname: Option<String>,
    pub tags: Vec<String>,
    pub joined_at: Option<i64>,
}

impl MemberRow {
    /// What the member search looks at: name and group nickname. Not the wxid: its
    /// random letters match every two-letter query and drown the pinyin hits.
    pub fn search_texts(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        v.extend(self.group_nickname.clone());
        v
    }
}

/// One row per membership (a member in two groups shows twice, once per group),
/// most engaged tiers first.
///
/// At 100,000 memberships a query with a sub-select per row for the activity figures
/// took ~0.5 s; this reads each table once instead (memberships with their members and
/// groups, the activity table in key order, the points ledger, the tags) and joins them
/// in memory — the same figures as [`member_rows`], which a test holds them to.
pub fn members(
    conn: &Connection,
    today: NaiveDate,
    points: &crate::domain::rules::PointRules,
) -> Result<Vec<MemberRow>> {
    use std::collections::HashMap;
    let since = since_30d(today);
    let mut rows: Vec<MemberRow> = Vec::new();
    let mut at: HashMap<(i64, i64), usize> = HashMap::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT ms.id, m.id, m.name, g.name, COALESCE(ms.tier, 'potential'), ms.tier_reason,
                    ms.kol, m.wxid, ms.group_nickname, ms.joined_at, ms.group_id
             FROM memberships ms
             JOIN members m ON m.id = ms.member_id
             JOIN groups g ON g.id = ms.group_id",
        )?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let group_id: i64 = r.get(10)?;
            let member_id: i64 = r.get(1)?;
            at.insert((group_id, member_id), rows.len());
            rows.push(MemberRow {
                membership_id: r.get(0)?,
                id: member_id,
                name: r.get(2)?,
                group: r.get(3)?,
                tier: r.get(4)?,
                tier_reason: r.get(5)?,
                kol: r.get(6)?,
                last_spoke: None,
                messages_30d: 0,
                messages_total: 0,
                points: 0,
                wxid: r.get(7)?,
                group_nickname: r.get(8)?,
                tags: Vec::new(),
                joined_at: r.get(9)?,
            });
        }
    }
    // points are the member's, over all groups: earned per day (capped), plus the ledger
    let mut member_points: HashMap<i64, i64> = HashMap::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT group_id, member_id, max(day), sum(messages),
                    COALESCE(sum(CASE WHEN day >= ?1 THEN messages END), 0),
                    sum(min(messages * ?2, ?3))
             FROM activity_daily GROUP BY group_id, member_id",
        )?;
        let mut q = st.query(params![since, points.per_message, points.daily_cap])?;
        while let Some(r) = q.next()? {
            let key: (i64, i64) = (r.get(0)?, r.get(1)?);
            *member_points.entry(key.1).or_default() += r.get::<_, i64>(5)?;
            if let Some(&i) = at.get(&key) {
                let row = &mut rows[i];
                row.last_spoke = r.get(2)?;
                row.messages_total = r.get(3)?;
                row.messages_30d = r.get(4)?;
            }
        }
    }
    {
        let mut st = conn
            .prepare_cached("SELECT member_id, sum(delta) FROM points_ledger GROUP BY member_id")?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            *member_points.entry(r.get(0)?).or_default() += r.get::<_, i64>(1)?;
        }
    }
    let mut member_tags: HashMap<i64, Vec<String>> = HashMap::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT mt.member_id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id",
        )?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            member_tags.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
    }
    for row in &mut rows {
        row.points = member_points.get(&row.id).copied().unwrap_or(0);
        if let Some(tags) = member_tags.get(&row.id) {
            row.tags.clone_from(tags);
        }
    }
    sort_members(&mut rows);
    Ok(rows)
}

/// The rows of these members (every group they are in), as [`members`] gives them: a
/// console patches its list with them when a colleague changed a few members.
pub fn member_rows(
    conn: &Connection,
    today: NaiveDate,
    points: &crate::domain::rules::PointRules,
    member_ids: &[i64],
) -> Result<Vec<MemberRow>> {
    let since = since_30d(today);
    let mut st = conn.prepare_cached(
        "SELECT m.id, m.name, g.name, COALESCE(ms.tier, 'potential'), ms.tier_reason, ms.kol,
                (SELECT max(a.day) FROM activity_daily a
                  WHERE a.group_id = ms.group_id AND a.member_id = ms.member_id),
                (SELECT COALESCE(sum(a.messages), 0) FROM activity_daily a
                  WHERE a.group_id = ms.group_id AND a.member_id = ms.member_id AND a.day >= ?1),
                ms.id,
                (SELECT COALESCE(sum(a.messages), 0) FROM activity_daily a
                  WHERE a.group_id = ms.group_id AND a.member_id = ms.member_id),
                (SELECT COALESCE(sum(min(a.messages * ?2, ?3)), 0) FROM activity_daily a WHERE a.member_id = ms.member_id)
                  + (SELECT COALESCE(sum(p.delta), 0) FROM points_ledger p WHERE p.member_id = ms.member_id),
                m.wxid, ms.group_nickname,
                (SELECT group_concat(t.name, char(31)) FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
                  WHERE mt.member_id = ms.member_id),
                ms.joined_at
         FROM memberships ms
         JOIN members m ON m.id = ms.member_id
         JOIN groups g ON g.id = ms.group_id
         WHERE ms.member_id = ?4",
    )?;
    let mut out = Vec::new();
    for &id in member_ids {
        let rows = st.query_map(
            params![since, points.per_message, points.daily_cap, id],
            |r| {
                Ok(MemberRow {
                    membership_id: r.get(8)?,
                    id: r.get(0)?,
                    name: r.get(1)?,
                    group: r.get(2)?,
                    tier: r.get(3)?,
                    tier_reason: r.get(4)?,
                    kol: r.get(5)?,
                    last_spoke: r.get(6)?,
                    messages_30d: r.get(7)?,
                    messages_total: r.get(9)?,
                    points: r.get(10)?,
                    wxid: r.get(11)?,
                    group_nickname: r.get(12)?,
                    tags: r
                        .get::<_, Option<String>>(13)?
                        .map(|t| t.split('\u{1f}').map(str::to_string).collect())
                        .unwrap_or_default(),
                    joined_at: r.get(14)?,
                })
            },
        )?;
        for row in rows {
            out.push(row?);
        }
    }
    sort_members(&mut out);
    Ok(out)
}

/// The first day of the 30-day window ending `today`.
fn since_30d(today: NaiveDate) -> String {
    today
        .checked_sub_days(Days::new(29))
        .unwrap_or(today)
        .to_string()
}

/// Most engaged tiers first, then by the last 30 days' messages, name and group (byte
/// order, as SQLite's BINARY collation). Tags in name order.
fn sort_members(rows: &mut [MemberRow]) {
    fn rank(tier: &str) -> u8 {
        match tier {
            "core" => 0,
            "active" => 1,
            "new" => 2,
            "potential" => 3,
            "silent" => 4,
            _ => 5,
        }
    }
    for r in rows.iter_mut() {
        r.tags.sort();
    }
    rows.sort_by(|a, b| {
        rank(&a.tier)
            .cmp(&rank(&b.tier))
            .then(b.messages_30d.cmp(&a.messages_30d))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.group.cmp(&b.group))
            .then(a.membership_id.cmp(&b.membership_id))
    });
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub form: String,
    pub state: String,
    pub slot: Option<i64>,
    pub owner: String,
    pub groups: Vec<String>,
}

pub fn content(conn: &Connection) -> Result<Vec<ContentRow>> {
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.title, c.kind, c.form, c.state, c.slot, c.owner,
                (SELECT group_concat(g.name, char(31)) FROM content_groups cg
                  JOIN groups g ON g.id = cg.group_id WHERE cg.content_id = c.id)
         FROM content_items c
         ORDER BY CASE c.state WHEN 'review' THEN 0 WHEN 'draft' THEN 1 WHEN 'scheduled' THEN 2
                  WHEN 'published' THEN 3 ELSE 4 END, c.slot DESC, c.id",
    )?;
    let rows = st.query_map([], |r| {
        let groups: Option<String> = r.get(7)?;
        Ok(ContentRow {
            id: r.get(0)?,
            title: r.get(1)?,
            kind: r.get(2)?,
            form: r.get(3)?,
            state: r.get(4)?,
            slot: r.get(5)?,
            owner: r.get(6)?,
            groups: groups
                .map(|g| g.split('\u{1f}').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A buyer's RFM scores (for the member detail and `members list`).
pub fn rfm(
    conn: &Connection,
    today: NaiveDate,
    tz: chrono_tz::Tz,
    rules: &crate::domain::rfm::RfmRules,
) -> Result<Vec<crate::domain::rfm::RfmScore>> {
    use crate::domain::rfm::{RfmInput, score};
    let since = today
        .checked_sub_days(Days::new(u64::try_from(rules.window_days).unwrap_or(365)))
        .unwrap_or(today);
    let since_ts = crate::clock::day_start(since, tz);
    let mut st = conn.prepare_cached(
        "SELECT member_id, max(at), count(*), sum(amount_cents) FROM orders WHERE at >= ?1 GROUP BY member_id",
    )?;
    let rows = st.query_map([since_ts], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut input = Vec::new();
    for row in rows {
        let (member_id, last, orders, amount_cents) = row?;
        let last_day = chrono::DateTime::<chrono::Utc>::from_timestamp(last, 0)
            .map_or(today, |t| t.with_timezone(&tz).date_naive());
        input.push(RfmInput {
            member_id,
            recency_days: (today - last_day).num_days().max(0),
            orders,
            amount_cents,
        });
    }
    Ok(score(&input, rules))
}
