//! Two of the demo's young groups in launch (issue 16), so the launch board has
//! something to show: 新品体验官招募群 (opened 3 days ago) on track — its kit done, its
//! QR code up with a renewal reminder, 引流期 running with 188 scans a day so far — and Python 学习营 07 期
//! (opened 18 days ago) late in 引流期 — about 110 scans a day against the bar of 200,
//! its questionnaire passed since, its Today task made once. Deterministic: every
//! figure is fixed, the dates count back from the demo's day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Transaction, params};

use crate::clock::day_start;
use crate::domain::launch::{LaunchRules, NewAnswer, Playbook};
use crate::store::launch as sl;

fn back(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

/// (group, positioning, region, days since it opened, QR scans a day from its opening)
type Plan = (
    &'static str,
    &'static str,
    Option<&'static str>,
    u64,
    &'static [f64],
);

const PLANS: [Plan; 2] = [
    (
        "新品体验官招募群",
        "为爱尝鲜的 20-30 岁年轻人提供新品体验机会,每周 2 款新品免费试用 + 体验官专属折扣",
        Some("杭州"),
        3,
        &[168.0, 192.0, 205.0],
    ),
    (
        "Python 学习营 07 期",
        "为 22-35 岁想转行的职场人提供 Python 入门解决方案,每周 2 次直播课 + 作业点评",
        None,
        18,
        &[
            96.0, 131.0, 118.0, 104.0, 122.0, 97.0, 140.0, 112.0, 88.0, 126.0, 109.0, 101.0, 133.0,
            92.0, 117.0, 105.0, 121.0, 99.0,
        ],
    ),
];

/// Answers of Python 学习营's questionnaire: 14 of 20 valid (70 % ≥ 60 %).
const ANSWERS: [(&str, &str, &str); 20] = [
    ("杭州", "28", "Python 入门"),
    ("上海", "31", "想学 Python"),
    ("北京", "25", "python"),
    ("深圳", "40", "Python 入门"),
    ("杭州", "27", "Python"),
    ("南京", "33", "入门 Python 转行"),
    ("成都", "", "Python"),
    ("杭州", "24", "Python 入门"),
    ("武汉", "29", "数据分析"),
    ("上海", "35", "Python"),
    ("北京", "23", "学 Python"),
    ("广州", "30", "Python 入门"),
    ("全国", "26", "Python"),
    ("杭州", "22", "Python"),
    ("苏州", "45", "Python"),
    ("西安", "32", "python 入门"),
    ("重庆", "28", "考研"),
    ("长沙", "34", "Python"),
    ("上海", "29", "Python 入门"),
    ("天津", "19", "Python"),
];

pub(super) fn launch_plans(
    tx: &Transaction<'_>,
    op: &str,
    now: DateTime<Utc>,
    end: NaiveDate,
    tz: Tz,
    rules: &LaunchRules,
) -> crate::store::Result<()> {
    let at = now.timestamp();
    for (name, positioning, region, age, scans) in PLANS {
        let Some(g) = crate::store::groups::by_name_or_id(tx, name)? else {
            continue;
        };
        let opened = back(end, age);
        let start = back(opened, u64::from(rules.days.prep));
        tx.execute(
            "UPDATE groups SET positioning = ?2 WHERE id = ?1",
            params![g, positioning],
        )?;
        sl::add_plan(tx, op, at, rules, g, start, region)?;
        // the kit was ready before the group opened
        let ready = day_start(back(opened, 1), tz);
        for item in &Playbook::shipped().kit {
            sl::kit_done(tx, op, ready, name, &item.code, true)?;
        }
        let mut told = tx.prepare_cached(
            "INSERT OR REPLACE INTO kpi_daily (group_id, day, metric, value, source)
             VALUES (?1, ?2, 'qr_scans', ?3, 'import')",
        )?;
        for (i, v) in scans.iter().enumerate() {
            let day = opened
                .checked_add_days(Days::new(i as u64))
                .unwrap_or(opened);
            if day < end {
                told.execute(params![g, day.to_string(), v])?;
            }
        }
    }
    // the on-track group's code is up for three more days: its renewal is a reminder
    if let Some(expires) = end.checked_add_days(Days::new(3)) {
        sl::kit_qr(tx, op, now, tz, rules, PLANS[0].0, Some(expires))?;
    }
    // Python 学习营's questionnaire ran in its 筛选期
    let python = PLANS[1];
    let screen_from = back(end, python.3)
        .checked_add_days(Days::new(u64::from(rules.days.traffic)))
        .unwrap_or(end);
    let answers: Vec<NewAnswer> = ANSWERS
        .iter()
        .enumerate()
        .map(|(i, (region, age, need))| NewAnswer {
            who: format!("学员{:02}", i + 1),
            answered_at: day_start(screen_from, tz) + 9 * 3600 + i as i64 * 1800,
            region: (*region).into(),
            age: (*age).into(),
            need: (*need).into(),
        })
        .collect();
    sl::import_answers(tx, op, at, python.0, "demo", &answers)?;
    sl::judge(tx, op, now, tz, rules)?;
    Ok(())
}
