//! The deterministic demo database: [`populate`] fills an empty, migrated database with
//! 90 days of a realistic operation — 12 groups, ~4,900 members, ~5,700 memberships,
//! daily activity, the last two days of chat, content in every state, KPIs, reminders,
//! risk incidents, sanctions, points, orders, one open alert (a second, on a weak mass
//! send's open rate, opens when the KPI rules first run) and one audit row. The SOP
//! tables are left empty (the SOP module installs and materialises them afterwards).
//!
//! Choices:
//! * One fixed seed ([`SEED`]); each section draws from its own ChaCha8 stream, so tuning
//!   one section does not reshuffle the others. No clock is read and no hash map is
//!   iterated: the same `end_day`, `tz` and `operator` give byte-identical rows.
//! * Everything is generated in memory first, then inserted with cached statements and
//!   explicit ids (members by first join, memberships by join time, messages by time).
//! * Day `0` is `end_day - 89`, day `89` is `end_day`; data runs to the end of
//!   `end_day`. Reminders treat `end_day` ~08:25 as "now": some fired before, some due later;
//!   only ad-hoc ones and yesterday's history are written here, the rest is planned.
//! * Activity comes from a persona per membership (core, active, occasional, lapsed,
//!   never, staff), a per-group trend (flat, declining, thriving, course cohort, cold
//!   start), weekend factors by group type and a little day-to-day noise.
//! * Group size means current members (`left_at IS NULL`), kept ≤ 500 as WeChat
//!   enforces; a group's membership rows may exceed 500 because leavers free seats.
//!   With ~5,000 members in 12 groups most groups are near the cap; the cold-start group
//!   (~260) and the course cohort (~410) are the small ones.
//! * Tiers (DOMAIN.md §3) are computed from the generated activity as of the end of
//!   `end_day`, in this order: left → new (joined < 72 h) → core (in the group ≥ 21
//!   days and ≥ 5 messages/day over the last 21 days) → active (≥ 3 messages in the
//!   last 7 days) → silent (no message in 30 days and in the group ≥ 30 days, never
//!   spoke included) → potential (never spoke, joined > 72 h and < 30 days ago) → else
//!   active "低频" (spoke within 30 days but below the weekly bar). KOL: > 20 messages in
//!   the last 30 days.
//!
//! [`build`] writes a whole demo file: [`populate`], then the finishing steps (`finish`:
//! SOP templates and history, tiers, KPIs, planned reminders) as a console would find them.
//!
//! Layout: this module holds the generator's state (`World` and its rows), the
//! constants and the entry points. Each child fills one area of the world (`groups`,
//! `members`, `names`, `activity`, `chat`, `risk`, `commerce`, `content` with its
//! `content_catalogue`, `reminders`) from the shared `calendar` and `random` helpers;
//! `insert` writes it; `finish` runs the store's own computations on it. Children depend
//! on each other one way only (areas → `names` → `groups` → `random`; `chat` → `risk` →
//! `activity`), never in a cycle.

mod activity;
mod calendar;
mod chat;
mod commerce;
mod content;
mod content_catalogue;
mod finish;
mod groups;
mod insert;
mod launch;
mod members;
mod names;
mod random;
mod reminders;
mod risk;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::Transaction;

use crate::store::StoreError;
use calendar::Cal;
use content_catalogue::ContentSpec;
use groups::{COLLEAGUES, GroupSpec};

pub use finish::build;

/// The one seed everything derives from.
pub const SEED: u64 = 0x5348_4551_554E_2026;
/// Days of history in the demo.
pub const DAYS: usize = 90;
const LAST: i64 = DAYS as i64 - 1;
const DAY_SECS: i64 = 86_400;
const HOUR: i64 = 3_600;
const MIN: i64 = 60;

/// What [`populate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DemoCounts {
    pub groups: usize,
    pub members: usize,
    pub memberships: usize,
    pub activity_rows: usize,
    pub messages: usize,
    pub content: usize,
    pub reminders: usize,
}

/// Fill an empty, migrated database. Everything derives from a fixed seed, so the same
/// `end_day` always gives byte-identical data; instants are computed from `end_day` and `tz`, never from the system clock.
pub fn populate(
    tx: &Transaction<'_>,
    end_day: NaiveDate,
    tz: Tz,
    operator: &str,
) -> Result<DemoCounts, StoreError> {
    let cal = Cal::new(tz, end_day);
    let world = World::build(cal, operator);
    world.insert(tx)
}

// ---------------------------------------------------------------------------------------
// The generated world, in memory.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Persona {
    Core,
    Active,
    Occasional,
    Lapsed,
    Never,
    Staff,
}

struct Group {
    spec: &'static GroupSpec,
    /// day index of `created_on` (negative: before the 90 days)
    cday: i64,
    created_at: i64,
    factor: [f64; DAYS],
}

struct Member {
    name: String,
    /// surname + given name when the WeChat name is a real name
    real: Option<String>,
    wxid: String,
    identity: Option<&'static str>,
    note: Option<String>,
    created_at: i64,
    staff: bool,
}

#[derive(Clone, Copy)]
struct Left {
    day: i64,
    at: i64,
    reason: &'static str,
}

struct Ms {
    g: usize,
    m: usize,
    role: &'static str,
    nickname: Option<String>,
    jd: i64,
    joined_at: i64,
    left: Option<Left>,
    persona: Persona,
    p: f64,
    mu: f64,
    stop: i64,
    tier: &'static str,
    reason: String,
    kol: bool,
}

#[derive(Clone, Copy, Default)]
struct DayStat {
    members: u32,
    joins: u32,
    leaves: u32,
    messages: u32,
    speakers: u32,
}

struct Msg {
    g: usize,
    ms: usize,
    at: i64,
    kind: &'static str,
    content: String,
}

struct Event {
    g: usize,
    m: usize,
    at: i64,
    kind: &'static str,
    detail: String,
}

struct Order {
    m: usize,
    at: i64,
    amount: i64,
    product: &'static str,
}

struct Points {
    m: usize,
    g: usize,
    at: i64,
    delta: i64,
    reason: String,
    by: String,
}

/// A risk incident: `sent` when it happened, `at` when it was detected, `handled_at`
/// when it was acted on (and reviewed, unless `reviewed_at` says earlier).
struct Risk {
    g: usize,
    m: Option<usize>,
    msg: Option<usize>,
    sent: i64,
    at: i64,
    level: i64,
    /// the keyword list's slug
    category: &'static str,
    keyword: &'static str,
    action: Option<&'static str>,
    handled_by: Option<String>,
    handled_at: Option<i64>,
    reviewed_at: Option<i64>,
    note: Option<String>,
}

struct Sanction {
    m: usize,
    g: usize,
    level: &'static str,
    reason: String,
    by: String,
    at: i64,
}

struct Review {
    content: usize,
    reviewer: String,
    at: i64,
    compliance: bool,
    compliance_note: String,
    fit_note: String,
    appeal_note: String,
    override_reason: Option<&'static str>,
}

struct ContentResult {
    content: usize,
    opens: i64,
    forwards: i64,
    replies: i64,
    clicks: i64,
    orders: Option<i64>,
    entered_by: String,
    entered_at: i64,
}

struct Content {
    spec: &'static ContentSpec,
    slot: Option<i64>,
    slot_day: Option<i64>,
    material: String,
    owner: String,
    created_at: i64,
    updated_at: i64,
    updated_by: String,
    version: i64,
}

struct Reminder {
    for_login: Option<String>,
    source: &'static str,
    source_id: Option<i64>,
    group: Option<usize>,
    title: String,
    body: Option<String>,
    due_at: i64,
    state: &'static str,
    fired_at: Option<i64>,
    snoozed_until: Option<i64>,
    dismissed_by: Option<String>,
    created_by: String,
    created_at: i64,
}

struct Alert {
    g: usize,
    since: i64,
    value: f64,
    opened_at: i64,
}

struct World {
    cal: Cal,
    /// 0 = the caller, then li.na, wang.lei, zhao.min, chen.jie
    logins: Vec<String>,
    groups: Vec<Group>,
    members: Vec<Member>,
    ms: Vec<Ms>,
    /// messages per membership and day: `counts[ms * DAYS + day]`
    counts: Vec<u16>,
    stats: Vec<[DayStat; DAYS]>,
    messages: Vec<Msg>,
    events: Vec<Event>,
    aliases: BTreeSet<(usize, String)>,
    orders: Vec<Order>,
    member_tags: BTreeSet<(usize, usize)>,
    points: Vec<Points>,
    risks: Vec<Risk>,
    sanctions: Vec<Sanction>,
    content: Vec<Content>,
    reviews: Vec<Review>,
    results: Vec<ContentResult>,
    opens: BTreeMap<(usize, i64), f64>,
    alert: Option<Alert>,
    reminders: Vec<Reminder>,
    /// the ad, scam and sensitive actors picked for risk (membership indices)
    bad_ads: usize,
    bad_sensitive: usize,
}

impl World {
    fn build(cal: Cal, operator: &str) -> World {
        let mut logins = vec![operator.to_string()];
        logins.extend(COLLEAGUES.iter().map(|c| c.0.to_string()));
        let mut w = World {
            cal,
            logins,
            groups: Vec::new(),
            members: Vec::new(),
            ms: Vec::new(),
            counts: Vec::new(),
            stats: Vec::new(),
            messages: Vec::new(),
            events: Vec::new(),
            aliases: BTreeSet::new(),
            orders: Vec::new(),
            member_tags: BTreeSet::new(),
            points: Vec::new(),
            risks: Vec::new(),
            sanctions: Vec::new(),
            content: Vec::new(),
            reviews: Vec::new(),
            results: Vec::new(),
            opens: BTreeMap::new(),
            alert: None,
            reminders: Vec::new(),
            bad_ads: usize::MAX,
            bad_sensitive: usize::MAX,
        };
        w.make_groups();
        w.make_memberships();
        w.make_joins_and_leaves();
        w.make_personas();
        w.make_activity();
        w.make_tiers();
        w.make_messages();
        w.make_events();
        w.make_orders();
        w.make_identities_and_tags();
        w.make_content();
        w.make_points();
        w.make_alert();
        w.make_reminders();
        w
    }

    fn login(&self, i: usize) -> String {
        self.logins.get(i).cloned().unwrap_or_default()
    }

    fn end(&self) -> i64 {
        self.cal.end()
    }
}
