//! The reminders a team writes by hand (ad-hoc ones) and yesterday's history; the rest
//! is planned by the reminders store once the SOP is in place.

use super::groups::DECLINING;
use super::{DAY_SECS, HOUR, LAST, MIN, Reminder, World};

impl World {
    /// The reminders a team writes by hand (ad-hoc ones) and yesterday's history. The
    /// rest — SOP items, countdowns, scheduled content, reviews, the open alert, new
    /// members gone quiet — is planned from the data by `store::reminders::plan` once
    /// the SOP is in place ([`super::build`]), as a console would.
    pub(super) fn make_reminders(&mut self) {
        let c = &self.cal;
        let caller = self.login(0);
        let li = self.login(1);
        let wang = self.login(2);
        let zhao = self.login(3);
        let at = |d: i64, h: i64, m: i64| c.at(d, h * HOUR + m * MIN);
        let mut r: Vec<Reminder> = Vec::new();
        let base = |source: &'static str, title: String, due_at: i64, created_by: &str| Reminder {
            for_login: None,
            source,
            source_id: None,
            group: None,
            title,
            body: None,
            due_at,
            state: "pending",
            fired_at: None,
            snoozed_until: None,
            dismissed_by: None,
            created_by: created_by.to_string(),
            created_at: due_at - DAY_SECS,
        };
        // fired earlier today
        let mut x = base(
            "adhoc",
            "检查昨晚广告消息处理情况".to_string(),
            at(LAST, 7, 30),
            &caller,
        );
        x.for_login = Some(li.clone());
        x.state = "fired";
        x.fired_at = Some(x.due_at);
        x.created_at = at(LAST - 1, 23, 10);
        r.push(x);
        // fired at 08:00 and put off until 08:40 by a colleague
        let mut x = base(
            "adhoc",
            "确认今晚福利推送的优惠券库存".to_string(),
            at(LAST, 8, 0),
            &wang,
        );
        x.group = Some(1);
        x.state = "snoozed";
        x.fired_at = Some(x.due_at);
        x.snoozed_until = Some(at(LAST, 8, 40));
        x.created_at = at(LAST - 1, 18, 30);
        r.push(x);
        // due later today and in the coming days
        let mut x = base(
            "adhoc",
            "联系嘉宾: 吃货联盟周末探店分享".to_string(),
            at(LAST, 16, 0),
            &caller,
        );
        x.for_login = Some(li.clone());
        x.group = Some(DECLINING);
        x.body = Some("日活告急,按应急方案请本地美食博主做一次分享".to_string());
        x.created_at = at(LAST, 8, 5);
        r.push(x);
        let mut x = base(
            "adhoc",
            "周会: 数据复盘 + 本周内容排期".to_string(),
            at(LAST + 2, 14, 0),
            &caller,
        );
        x.created_at = at(LAST - 1, 18, 0);
        r.push(x);
        // dismissed yesterday
        for (title, g, h, m, by, source) in [
            (
                "亲子活动报名截止倒计时 1 天",
                10usize,
                19,
                0,
                li.clone(),
                "countdown",
            ),
            ("20:00 福利推送", 7, 19, 50, zhao.clone(), "sop"),
            ("内容复盘: 录入上周数据", 3, 10, 0, caller.clone(), "adhoc"),
        ] {
            let mut x = base(source, title.to_string(), at(LAST - 1, h, m), &caller);
            x.group = Some(g);
            x.state = "dismissed";
            x.fired_at = Some(x.due_at);
            x.dismissed_by = Some(by);
            r.push(x);
        }
        r.sort_by_key(|x| (x.created_at, x.due_at));
        self.reminders = r;
    }
}
