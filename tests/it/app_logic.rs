//! The console's logic through actions and key events, without a terminal or database.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use shequn::app::PromptKind;
use shequn::app::keymap::Keymap;
use shequn::app::risk::WordPreview;
use shequn::app::{ACTIONS, Action, App, Changed, Effect, Loaded, Mode, Tab, TodayData};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::domain::keywords::Category;
use shequn::domain::risk::{Action as RiskAct, Judged};
use shequn::domain::rules::Rules;
use shequn::i18n::Lang;
use shequn::store::changes::Topics;
use shequn::store::risk::act::Step;
use shequn::store::risk::{Board, IncidentRow};
use shequn::store::views::MemberRow;

fn app() -> App {
    App::new(
        Lang::En,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        parse_now(crate::NOW, DEFAULT_TZ).unwrap(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    )
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn enter() -> KeyEvent {
    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
}

fn esc() -> KeyEvent {
    KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)
}

fn backspace() -> KeyEvent {
    KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
}

fn members(names: &[&str]) -> Vec<MemberRow> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| MemberRow {
            membership_id: i as i64,
            id: i as i64,
            name: (*n).into(),
            group: "宝妈育儿交流群".into(),
            tier: "active".into(),
            tier_reason: None,
            kol: false,
            last_spoke: None,
            messages_30d: 0,
            messages_total: 0,
            points: 0,
            wxid: None,
            group_nickname: None,
            tags: Vec::new(),
            joined_at: None,
        })
        .collect()
}

#[test]
fn start_loads_the_today_tab_for_the_team_s_day() {
    let mut a = app();
    let fx = a.start();
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    assert!(fx.contains(&Effect::Load(Tab::Today, day)));
    assert!(fx.contains(&Effect::ShowingTab(Tab::Today)));
}

#[test]
fn number_keys_switch_tabs_and_load_each_once() {
    let mut a = app();
    let fx = a.on_key(key('2'));
    assert_eq!(a.tab, Tab::Members);
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Load(Tab::Members, _)))
    );
    a.update(Action::Loaded(Loaded::Members(members(&["张三"]), None)));
    a.on_key(key('1'));
    let fx = a.on_key(key('2'));
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Load(..))),
        "already loaded: {fx:?}"
    );
    // a colleague's change to many members makes it stale: the visible tab reloads at once
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::MEMBERS,
        members: None,
    }));
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Load(Tab::Members, _)))
    );
    // Tab and Shift-Tab wrap around
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.tab, Tab::Today);
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.tab, Tab::Risk);
    a.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    assert_eq!(a.tab, Tab::Today);
}

#[test]
fn slash_filters_the_list_and_esc_clears_it() {
    let mut a = app();
    a.on_key(key('2'));
    a.update(Action::Loaded(Loaded::Members(
        members(&["张三", "李四", "Amy", "张伟"]),
        None,
    )));
    a.on_key(key('/'));
    assert!(matches!(a.mode, Mode::Search { .. }));
    a.on_key(key('张'));
    assert_eq!(a.members.visible.len(), 2);
    // typing 'q' in the search line is text, not quit
    let fx = a.on_key(key('q'));
    assert!(!a.quit && fx.is_empty());
    a.on_key(backspace());
    a.on_key(enter());
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(a.members.filter, "张");
    a.on_key(esc());
    assert_eq!(a.members.visible.len(), 4);
}

#[test]
fn pasted_text_goes_into_the_search_line() {
    let mut a = app();
    a.on_key(key('2'));
    a.update(Action::Loaded(Loaded::Members(
        members(&["张三", "李四"]),
        None,
    )));
    a.on_key(key('/'));
    a.on_paste("李四\n");
    assert_eq!(a.members.filter, "李四");
    assert_eq!(a.members.visible.len(), 1);
}

#[test]
fn j_k_g_and_shift_g_move_the_selection() {
    let mut a = app();
    a.on_key(key('2'));
    let names: Vec<String> = (0..100).map(|i| format!("成员{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    a.update(Action::Loaded(Loaded::Members(members(&refs), None)));
    a.on_key(key('j'));
    a.on_key(key('j'));
    assert_eq!(a.members.selected, 2);
    a.on_key(key('k'));
    assert_eq!(a.members.selected, 1);
    a.on_key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
    assert_eq!(a.members.selected, 99);
    a.on_key(key('g'));
    assert_eq!(a.members.selected, 0);
    a.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    assert_eq!(a.members.selected, a.page_rows());
}

#[test]
fn the_palette_runs_commands_by_name_in_either_language() {
    let mut a = app();
    a.on_key(key(':'));
    for c in "remi".chars() {
        a.on_key(key(c));
    }
    a.on_key(enter());
    assert_eq!(a.tab, Tab::Reminders);
    assert_eq!(a.mode, Mode::Normal);
    let mut zh = App::new(
        Lang::Zh,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        parse_now(crate::NOW, DEFAULT_TZ).unwrap(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    );
    zh.on_key(key(':'));
    zh.on_paste("成员");
    zh.on_key(enter());
    assert_eq!(zh.tab, Tab::Members);
    zh.on_key(key(':'));
    zh.on_paste("quit");
    let fx = zh.on_key(enter());
    assert!(zh.quit && fx.contains(&Effect::Quit));
}

#[test]
fn q_quits_and_ctrl_c_too() {
    let mut a = app();
    assert_eq!(a.on_key(key('q')), vec![Effect::Quit]);
    let mut b = app();
    assert_eq!(
        b.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        vec![Effect::Quit]
    );
}

#[test]
fn help_toggles_and_enter_opens_details_only_on_a_row() {
    let mut a = app();
    a.on_key(key('?'));
    assert_eq!(a.mode, Mode::Help);
    a.on_key(key('?'));
    assert_eq!(a.mode, Mode::Normal);
    a.on_key(key('2'));
    a.on_key(enter());
    assert_eq!(a.mode, Mode::Normal, "nothing to open on an empty list");
    a.update(Action::Loaded(Loaded::Members(members(&["张三"]), None)));
    a.on_key(enter());
    assert_eq!(a.mode, Mode::Detail);
    a.on_key(esc());
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn midnight_rolls_the_today_tab_over() {
    let mut a = app();
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day: a.today_day,
        ..TodayData::default()
    }))));
    let next = parse_now("2026-03-03T00:00:30", DEFAULT_TZ).unwrap();
    let fx = a.update(Action::Tick(next));
    let day = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    assert_eq!(fx, vec![Effect::ClockLoad(Tab::Today, day)]);
    // a late answer for yesterday is dropped
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        ..TodayData::default()
    }))));
    assert!(a.today.stale);
}

fn sop_row(
    id: i64,
    slot: &str,
    group: &str,
    title: &str,
    state: &str,
) -> shequn::store::views::SopRow {
    shequn::store::views::SopRow {
        id,
        group: group.into(),
        slot: slot.into(),
        title: title.into(),
        state: state.into(),
        done_by: (state == "done").then(|| "li.na".into()),
        done_at: None,
        day: "2026-03-02".into(),
        expires: Some("23:00".into()),
        note: None,
        assignee: None,
        claimed_by: None,
        send: false,
        group_id: 1,
        item_id: Some(id),
        version: 7,
        script: "{group} {date} {weekday}".into(),
        countdown: None,
        content_id: None,
    }
}

fn today_app() -> App {
    let mut a = app();
    let day = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day,
        rows: vec![
            sop_row(1, "08:30", "宝妈群", "早安问候", "done"),
            sop_row(2, "08:30", "学习群", "早安问候", "todo"),
            sop_row(3, "15:00", "宝妈群", "干货分享", "missed"),
            sop_row(4, "20:00", "学习群", "福利推送", "todo"),
        ],
        operators: vec!["li.na".into(), "me".into(), "wang.lei".into()],
        ..TodayData::default()
    }))));
    // (the list opens at now, 08:25: the first open item; these tests start at the top)
    a.on_key(key('g'));
    a
}

fn space() -> KeyEvent {
    KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)
}

#[test]
fn space_marks_done_with_the_version_seen_and_again_takes_it_back() {
    use shequn::domain::sop::SopChange;
    let mut a = today_app();
    a.on_key(key('j')); // row 2: todo
    assert_eq!(
        a.on_key(space()),
        vec![Effect::Sop {
            id: 2,
            version: 7,
            change: SopChange::Done { note: None }
        }]
    );
    a.on_key(key('k')); // row 1: done
    assert_eq!(
        a.on_key(space()),
        vec![Effect::Sop {
            id: 1,
            version: 7,
            change: SopChange::Undo
        }]
    );
    // claim, and a skip needs its reason typed
    assert!(matches!(
        a.on_key(key('c'))[0],
        Effect::Sop {
            change: SopChange::Claim,
            ..
        }
    ));
    a.on_key(key('s'));
    assert!(matches!(a.mode, Mode::Prompt { .. }));
    a.on_paste("活动顺延");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Sop {
            id: 1,
            version: 7,
            change: SopChange::Skip {
                reason: "活动顺延".into()
            }
        }]
    );
    // assign picks from the operators
    a.on_key(key('a'));
    a.on_paste("wang");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Sop {
            id: 1,
            version: 7,
            change: SopChange::Assign {
                login: "wang.lei".into()
            }
        }]
    );
}

#[test]
fn filters_undone_mine_and_group() {
    let mut a = today_app();
    a.on_key(key('u'));
    assert_eq!(a.today.count(), 3, "todo and missed");
    a.on_key(key('u'));
    a.on_key(key('f'));
    a.on_paste("学习");
    a.on_key(enter());
    assert_eq!(a.today.count(), 2);
    assert!(
        a.today
            .rows
            .iter()
            .filter(|r| r.id != shequn::app::today::NOW_ROW)
            .all(|r| r.group == "学习群")
    );
    a.on_key(key('f'));
    a.on_key(enter()); // "(all groups)" is first
    assert_eq!(a.today.count(), 4);
    a.on_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    assert_eq!(a.today.count(), 0, "nothing is mine");
}

#[test]
fn the_walkthrough_steps_through_undone_items_and_copies_filled_scripts() {
    let mut a = today_app();
    a.on_key(key('w'));
    assert_eq!(a.walk_position(), Some((1, 3)));
    let fx = a.on_key(key('y'));
    let Effect::Copy(text) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(text, "学习群 3月2日 周一");
    assert!(!text.contains('{'));
    // done & next, twice, then next past the end leaves the walkthrough
    assert!(matches!(a.on_key(space())[0], Effect::Sop { id: 2, .. }));
    assert_eq!(a.walk_item().unwrap().id, 3);
    a.on_key(space());
    assert_eq!(a.walk_item().unwrap().id, 4);
    a.on_key(key('j'));
    assert_eq!(a.mode, Mode::Normal);
    assert!(a.flash.is_some());
}

#[test]
fn day_navigation_and_the_calendar() {
    let mut a = today_app();
    let fx = a.on_key(key(']'));
    let next = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    assert_eq!(fx, vec![Effect::Load(Tab::Today, next)]);
    assert_eq!(a.today_day, next);
    a.on_key(key('t'));
    assert_eq!(a.today_day, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    let fx = a.on_key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT));
    assert!(matches!(fx[0], Effect::LoadCalendar(_)));
    a.on_key(key('h'));
    a.on_key(key('h'));
    let fx = a.on_key(key('k')); // a week earlier: into February
    assert!(
        matches!(fx[0], Effect::LoadCalendar(d) if d == NaiveDate::from_ymd_opt(2026, 2, 21).unwrap())
    );
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Load(
            Tab::Today,
            NaiveDate::from_ymd_opt(2026, 2, 21).unwrap()
        )]
    );
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn a_refused_save_is_shown_and_the_day_reloads() {
    let mut a = today_app();
    let fx = a.update(Action::Saved(Err("已由 li.na 完成".into())));
    assert!(a.flash.as_ref().is_some_and(|f| f.error));
    assert!(matches!(fx[0], Effect::Load(Tab::Today, _)));
}

#[test]
fn retime_edit_and_apply_from_the_console() {
    let mut a = today_app();
    a.on_key(key('j'));
    a.on_key(key('o'));
    assert!(matches!(a.mode, Mode::Prompt { .. }));
    for _ in 0..5 {
        a.on_key(backspace());
    }
    a.on_paste("09:15");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Override {
            group_id: 1,
            item_id: 2,
            slot: Some("09:15".into()),
            script: None
        }]
    );
    // the script editor: Chinese text, paste with newlines, save with C-s
    a.on_key(key('e'));
    assert_eq!(a.mode, Mode::Edit);
    a.on_key(key('好'));
    a.on_paste("\n第二行 {grup}");
    let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(
        a.on_key(ctrl_s).is_empty(),
        "an unknown placeholder is refused"
    );
    assert!(
        a.editor
            .as_ref()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .contains("{grup}")
    );
    for _ in 0.."{grup}".chars().count() {
        a.on_key(backspace());
    }
    a.on_paste("{group}");
    let fx = a.on_key(ctrl_s);
    assert_eq!(
        fx,
        vec![Effect::Override {
            group_id: 1,
            item_id: 2,
            slot: None,
            script: Some("{group} {date} {weekday}好\n第二行 {group}".into())
        }]
    );
    assert_eq!(a.mode, Mode::Normal);
    // apply a template to two groups from the palette
    let mut a = today_app();
    a.sop.templates = vec![
        ("base".into(), "通用社群 SOP".into()),
        ("welfare".into(), "福利型社群 SOP".into()),
    ];
    a.sop.quotas = ["宝妈群", "学习群", "新群"]
        .iter()
        .enumerate()
        .map(|(i, g)| shequn::store::views::Quota {
            group_id: i as i64,
            group: (*g).into(),
            used: 0,
            planned: 0,
            limit: 31,
        })
        .collect();
    a.on_key(key(':'));
    a.on_paste("apply");
    a.on_key(enter());
    a.on_paste("welf");
    a.on_key(enter());
    assert!(matches!(a.mode, Mode::MultiPick { .. }));
    a.on_key(space()); // 宝妈群 (sorted: 学习群, 宝妈群, 新群 by code point)
    a.on_key(key('j'));
    a.on_key(space());
    let fx = a.on_key(enter());
    let Effect::ApplyTemplate { template, groups } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(template, "welfare");
    assert_eq!(groups.len(), 2);
}

fn member_row(
    id: i64,
    name: &str,
    group: &str,
    tier: &str,
    tags: &[&str],
    last: Option<&str>,
) -> MemberRow {
    MemberRow {
        membership_id: id,
        id,
        name: name.into(),
        group: group.into(),
        tier: tier.into(),
        tier_reason: None,
        kol: false,
        last_spoke: last.map(str::to_string),
        messages_30d: 0,
        messages_total: 0,
        points: 0,
        wxid: None,
        group_nickname: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        joined_at: None,
    }
}

fn members_app() -> App {
    let mut a = app();
    a.on_key(key('2'));
    a.update(Action::Loaded(Loaded::Members(
        vec![
            member_row(1, "张三", "宝妈群", "core", &["高意向"], Some("2026-03-02")),
            member_row(2, "李四", "宝妈群", "silent", &[], Some("2026-01-01")),
            member_row(
                3,
                "张伟",
                "学习群",
                "active",
                &["高意向", "学员"],
                Some("2026-02-28"),
            ),
            member_row(4, "Amy", "学习群", "potential", &[], None),
            member_row(5, "赵六", "学习群", "left", &[], None),
        ],
        None,
    )));
    a
}

fn visible_names(a: &App) -> Vec<String> {
    a.members
        .visible
        .iter()
        .map(|&i| a.members.rows[i].name.clone())
        .collect()
}

#[test]
fn member_search_uses_pinyin_and_initials_and_narrows_per_keystroke() {
    let mut a = members_app();
    a.on_key(key('/'));
    a.on_key(key('z'));
    a.on_key(key('s'));
    assert_eq!(visible_names(&a)[0], "张三");
    a.on_key(backspace());
    a.on_key(backspace());
    a.on_paste("zhang");
    let names = visible_names(&a);
    assert!(
        names.contains(&"张三".to_string()) && names.contains(&"张伟".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"李四".to_string()));
    a.on_key(esc());
    a.on_key(esc());
    assert_eq!(a.members.visible.len(), 5);
}

#[test]
fn member_filters_combine_and_invert() {
    let mut a = members_app();
    // tier
    a.on_key(KeyEvent::new(KeyCode::Char('T'), KeyModifiers::SHIFT));
    a.on_paste("silent");
    a.on_key(enter());
    assert_eq!(visible_names(&a), vec!["李四"]);
    // ! inverts
    a.on_key(key('!'));
    assert_eq!(a.members.visible.len(), 4);
    a.on_key(key('!'));
    // tier back to all, then a tag
    a.on_key(KeyEvent::new(KeyCode::Char('T'), KeyModifiers::SHIFT));
    a.on_key(enter());
    a.on_key(key('#'));
    a.on_paste("高意向");
    a.on_key(enter());
    assert_eq!(visible_names(&a), vec!["张三", "张伟"]);
    // and a group on top
    a.on_key(key('f'));
    a.on_paste("学习");
    a.on_key(enter());
    assert_eq!(visible_names(&a), vec!["张伟"]);
    // silent for more than 30 days (never spoke counts), alone
    let mut b = members_app();
    b.on_key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT));
    b.on_key(enter()); // the prompt starts at 30
    assert_eq!(visible_names(&b), vec!["李四", "Amy", "赵六"]);
    let structure = shequn::app::members::structure(&b.members.rows).unwrap();
    assert!(
        (structure[0] - 0.25).abs() < 1e-9 && (structure[1] - 0.25).abs() < 1e-9,
        "{structure:?}"
    );
}

#[test]
fn member_actions_become_effects_with_what_was_typed() {
    use shequn::store::members::MemberChange;
    let mut a = members_app();
    // selecting a member asks for their detail once
    let fx = a.on_key(key('j'));
    assert!(fx.contains(&Effect::LoadMember(2)), "{fx:?}");
    let fx = a.update(Action::Resize {
        width: 100,
        height: 30,
    });
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::LoadMember(_))),
        "asked once per selection: {fx:?}"
    );
    a.on_key(key('k'));
    a.on_key(key('t'));
    a.on_paste("宝妈");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Member {
            id: 1,
            version: None,
            change: MemberChange::Tag {
                name: "宝妈".into(),
                remove: false
            }
        }]
    );
    a.on_key(key('p'));
    a.on_paste("+50 活动奖励");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Member {
            id: 1,
            version: None,
            change: MemberChange::Points {
                delta: 50,
                reason: "活动奖励".into()
            }
        }]
    );
    a.on_key(key('p'));
    a.on_paste("很多");
    assert!(a.on_key(enter()).is_empty());
    assert!(a.flash.as_ref().is_some_and(|f| f.error));
    a.on_key(key('x'));
    a.on_paste("warn");
    a.on_key(enter());
    a.on_paste("刷屏广告");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Member {
            id: 1,
            version: None,
            change: MemberChange::Sanction {
                group: "宝妈群".into(),
                level: "warn".into(),
                reason: "刷屏广告".into()
            }
        }]
    );
    let fx = a.on_key(key('r'));
    assert_eq!(
        fx,
        vec![Effect::Member {
            id: 1,
            version: None,
            change: MemberChange::Redeem
        }]
    );
}

/// Today at 15:31: two items behind us (one missed), the 15:00 ones due till 17:00,
/// one in the evening.
fn afternoon_app() -> App {
    let mut a = App::new(
        Lang::En,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        parse_now("2026-03-02T15:31:00", DEFAULT_TZ).unwrap(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    );
    let row = |id, slot, group, state, expires: &str| {
        let mut r = sop_row(id, slot, group, "事项", state);
        r.expires = Some(expires.into());
        r
    };
    let day = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day,
        rows: vec![
            row(1, "08:30", "宝妈群", "done", "10:00"),
            row(2, "09:00", "学习群", "missed", "10:00"),
            row(3, "14:00", "宝妈群", "done", "15:00"),
            row(4, "15:00", "宝妈群", "done", "17:00"),
            row(5, "15:00", "学习群", "todo", "17:00"),
            row(6, "15:00", "福利群", "todo", "17:00"),
            row(7, "20:00", "学习群", "todo", "22:00"),
        ],
        operators: vec!["li.na".into(), "me".into()],
        ..TodayData::default()
    }))));
    a
}

fn walked(a: &App) -> Option<i64> {
    a.walk_item().map(|r| r.id)
}

#[test]
fn today_opens_at_now_with_a_now_row_and_the_past_above() {
    use shequn::app::today::NOW_ROW;
    let mut a = afternoon_app();
    let ids: Vec<i64> = a
        .today
        .visible
        .iter()
        .map(|&i| a.today.rows[i].id)
        .collect();
    assert_eq!(
        ids,
        vec![1, 2, 3, NOW_ROW, 4, 5, 6, 7],
        "now sits before 15:00"
    );
    assert_eq!(a.today.count(), 7, "the now row is not counted");
    assert_eq!(
        a.today.current().map(|r| r.id),
        Some(5),
        "first open item due"
    );
    // the missed one is reachable above; the now row is passed over both ways
    a.on_key(key('k'));
    a.on_key(key('k'));
    assert_eq!(a.today.current().map(|r| r.id), Some(3));
    a.on_key(key('j'));
    assert_eq!(a.today.current().map(|r| r.id), Some(4));
    a.on_key(key('g'));
    assert_eq!(a.today.current().map(|r| r.id), Some(1));
    // a reload keeps the cursor where the operator put it
    a.update(Action::Changed(Changed::everything()));
    let day = a.today_day;
    let rows = a.sop.source.clone();
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day,
        rows,
        ..TodayData::default()
    }))));
    assert_eq!(a.today.current().map(|r| r.id), Some(1));
    // the clock moves: at 17:05 the 15:00 items are behind us too
    a.update(Action::Tick(
        parse_now("2026-03-02T17:05:00", DEFAULT_TZ).unwrap(),
    ));
    let pos = a
        .today
        .visible
        .iter()
        .position(|&i| a.today.rows[i].id == NOW_ROW);
    assert_eq!(pos, Some(6), "the now row moved below the 15:00 items");
    // another day has no now row
    a.on_key(key(']'));
    let next = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day: next,
        rows: vec![sop_row(9, "08:30", "宝妈群", "早安问候", "todo")],
        ..TodayData::default()
    }))));
    assert!(a.today.rows.iter().all(|r| r.id != NOW_ROW));
}

#[test]
fn the_walkthrough_starts_at_now_and_goes_on_after_skip_note_and_assign() {
    use shequn::domain::sop::SopChange;
    let mut a = afternoon_app();
    a.on_key(key('w'));
    assert_eq!(walked(&a), Some(5), "starts at the first open item due now");
    assert_eq!(a.walk_position(), Some((1, 4)), "the missed one comes last");
    // skip with a reason: the item is named, and the walkthrough lands on the next
    a.on_key(key('s'));
    assert!(matches!(a.mode, Mode::Prompt { .. }));
    assert_eq!(a.item_label(5).as_deref(), Some("15:00 学习群 · 事项"));
    a.on_paste("群里在直播");
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Sop {
            id: 5,
            version: 7,
            change: SopChange::Skip {
                reason: "群里在直播".into()
            }
        }]
    );
    assert_eq!(walked(&a), Some(6));
    assert_eq!(
        a.today.current().map(|r| r.id),
        Some(6),
        "one ▶: the walked item"
    );
    // a note stays on the item; Esc in a prompt goes back to it too
    a.on_key(key('n'));
    a.on_key(esc());
    assert_eq!(walked(&a), Some(6));
    a.on_key(key('n'));
    a.on_paste("等图");
    let fx = a.on_key(enter());
    assert!(matches!(
        &fx[0],
        Effect::Sop {
            id: 6,
            change: SopChange::Note { .. },
            ..
        }
    ));
    assert_eq!(walked(&a), Some(6));
    // assigned to a colleague: on to the next
    a.on_key(key('a'));
    assert!(matches!(a.mode, Mode::Picker { .. }));
    a.on_paste("li.na");
    let fx = a.on_key(enter());
    assert!(matches!(
        &fx[0],
        Effect::Sop {
            id: 6,
            change: SopChange::Assign { .. },
            ..
        }
    ));
    assert_eq!(walked(&a), Some(7));
    // past the last, round to the missed one, then the walkthrough ends
    a.on_key(key('j'));
    assert_eq!(walked(&a), Some(2));
    a.on_key(key('j'));
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn remind_from_the_palette_with_its_text_adds_the_reminder() {
    use shequn::app::RemindChange;
    use shequn::domain::when::When;
    let mut a = afternoon_app();
    a.on_key(key(':'));
    a.on_paste("remind 2m 喝水");
    // the palette still shows the command while its text is typed
    assert_eq!(
        a.palette_matches("remind 2m 喝水").first().map(|c| c.word),
        Some("remind")
    );
    let fx = a.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Remind(RemindChange::Add {
            when: When::In(chrono::TimeDelta::minutes(2)),
            title: "喝水".into()
        })]
    );
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn enter_on_a_reminder_goes_to_its_item_on_its_tab() {
    use shequn::store::views::ReminderRow;
    let mut a = afternoon_app();
    let at = a.now.timestamp();
    let reminder = |id, source: &str, source_id| ReminderRow {
        id,
        due_at: at,
        title: "x".into(),
        group: Some("学习群".into()),
        state: "fired".into(),
        for_login: None,
        snoozed_until: None,
        source: source.into(),
        source_id: Some(source_id),
        kind: None,
        lead_min: Some(0),
        body: None,
        fired_at: Some(at),
        dismissed_by: None,
        resolved: None,
        closed_at: None,
        version: 1,
    };
    a.on_key(key('5'));
    a.update(Action::Loaded(Loaded::Reminders(vec![
        reminder(1, "sop", 7),
        reminder(2, "adhoc", 0),
    ])));
    let fx = a.on_key(enter());
    assert_eq!(a.tab, Tab::Today);
    assert_eq!(a.today.current().map(|r| r.id), Some(7), "{fx:?}");
    // an ad-hoc reminder is about nothing else: its detail opens
    a.on_key(key('5'));
    a.on_key(key('j'));
    a.on_key(enter());
    assert_eq!((a.tab, &a.mode), (Tab::Reminders, &Mode::Detail));
}

#[test]
fn member_search_ranks_and_keeps_only_aligned_matches() {
    let mut a = members_app();
    a.on_key(key('/'));
    a.on_paste("zhang");
    // 赵六 (zhao-liu) holds z-h-a…-n… but not a syllable zhang: not found
    assert_eq!(visible_names(&a), vec!["张三", "张伟"]);
    a.on_key(backspace());
    a.on_key(backspace());
    a.on_key(backspace());
    a.on_paste("w"); // zhw: 张 abbreviated, then 伟
    assert_eq!(visible_names(&a), vec!["张伟"]);
}

#[test]
fn pickers_and_the_palette_take_pinyin_and_initials() {
    // the group picker: `hz` finds 杭州…, best first
    let mut a = today_app();
    let day = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day,
        rows: vec![
            sop_row(1, "08:30", "杭州宝妈群", "早安问候", "todo"),
            sop_row(2, "08:30", "学习群", "早安问候", "todo"),
            sop_row(3, "15:00", "上海读书会", "干货分享", "todo"),
        ],
        ..TodayData::default()
    }))));
    a.on_key(key('f'));
    a.on_paste("hz");
    let Mode::Picker { items, input, .. } = &a.mode else {
        panic!("{:?}", a.mode)
    };
    assert_eq!(
        shequn::app::picker_matches(items, input),
        vec![&"杭州宝妈群".to_string()]
    );
    a.on_key(enter());
    assert_eq!(a.today.count(), 1, "only 杭州宝妈群's item");
    // letters picked across syllables are not a match: x-u-q is in xue-xi-qun (学习群),
    // but `xu` abbreviates 学 and 习 does not start with q
    a.on_key(key('f'));
    a.on_paste("xuq");
    let Mode::Picker { items, input, .. } = &a.mode else {
        panic!("{:?}", a.mode)
    };
    assert!(shequn::app::picker_matches(items, input).is_empty());
    a.on_key(esc());
    // the palette: `shuju` finds 数据 (the KPIs tab), in Chinese
    let mut zh = App::new(
        Lang::Zh,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        parse_now(crate::NOW, DEFAULT_TZ).unwrap(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    );
    let first = shequn::app::palette_matches(zh.texts, "shuju")[0];
    assert_eq!(first.action, "tab_kpi");
    zh.on_key(key(':'));
    zh.on_paste("shuju");
    zh.on_key(enter());
    assert_eq!(zh.tab, Tab::Kpi);
    // the word typed in full first: `remind` before the `reminders` tab
    let found = shequn::app::palette_matches(zh.texts, "remind");
    assert_eq!(found[0].word, "remind", "{found:?}");
}

// ---- the Risk tab (issue 15) ----

fn incident(id: i64, level: u8, state: &str, evidence: &str, word: &str) -> IncidentRow {
    let start = evidence.find(word);
    IncidentRow {
        id,
        level,
        state: state.into(),
        source: "message".into(),
        group: Some("杭州吃货联盟".into()),
        group_id: Some(1),
        member: Some("赵敏嘉".into()),
        member_id: Some(7),
        content_id: None,
        category: Some("ad".into()),
        keyword: Some(word.into()),
        evidence: Some(evidence.into()),
        hit_start: start,
        hit_end: start.map(|s| s + word.len()),
        at: 1_000,
        detected_at: 1_060,
        reviewed_at: None,
        reviewed_by: None,
        acted_at: (state != "open").then_some(2_000),
        acted_by: (state != "open").then(|| "wang.lei".into()),
        action: (state != "open").then(|| "warn".into()),
        note: None,
        detection: Judged::OnTime,
        review: Judged::Late,
        detect_secs: 60,
        review_secs: None,
        act_secs: None,
        task: None,
        version: 3,
    }
}

fn risk_app() -> App {
    let mut app = app();
    app.update(Action::GoTab(Tab::Risk));
    app.update(Action::Loaded(Loaded::Risk(Box::new(Board {
        incidents: vec![
            incident(
                10,
                3,
                "open",
                "今天的团购大家看看,加我微信领优惠券哦",
                "加我微信",
            ),
            incident(11, 3, "acted", "代购大牌包包", "代购"),
        ],
        records: Vec::new(),
        top_words: Vec::new(),
        ad_share: Vec::new(),
        on_time: Default::default(),
    }))));
    app
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(c));
    }
}

#[test]
fn an_action_on_an_incident_asks_its_reason_and_carries_the_version_seen() {
    let mut app = risk_app();
    assert!(app.on_key(key('m')).is_empty());
    assert!(matches!(
        app.mode,
        Mode::Prompt {
            kind: PromptKind::RiskReason { .. },
            id: 10,
            ..
        }
    ));
    // no reason: refused in the console's words, nothing written
    let fx = app.on_key(enter());
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.flash.as_ref().map(|f| f.error), Some(true));
    app.on_key(key('m'));
    type_text(&mut app, "spam, muted in WeChat");
    let fx = app.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Risk {
            id: 10,
            version: 3,
            step: Step::Act(RiskAct::Mute),
            reason: "spam, muted in WeChat".into(),
            except: None,
        }]
    );
    // review needs no reason
    let fx = app.on_key(key('v'));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Risk {
            step: Step::Review,
            ..
        }]
    ));
}

#[test]
fn a_false_positive_offers_an_exception_prefilled_with_the_text_around_the_hit() {
    let mut app = risk_app();
    app.on_key(key('d'));
    type_text(&mut app, "the owner's own offer");
    assert!(app.on_key(enter()).is_empty());
    let Mode::Prompt {
        kind: PromptKind::RiskExcept,
        input,
        ..
    } = &app.mode
    else {
        panic!("{:?}", app.mode);
    };
    assert_eq!(input, "购大家看看,加我微信领优惠券哦");
    let fx = app.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::Risk {
            id: 10,
            version: 3,
            step: Step::Act(RiskAct::Dismiss),
            reason: "the owner's own offer".into(),
            except: Some("购大家看看,加我微信领优惠券哦".into()),
        }]
    );
    // cleared: dismissed without an exception
    app.on_key(key('d'));
    type_text(&mut app, "x");
    app.on_key(enter());
    for _ in 0..40 {
        app.on_key(backspace());
    }
    let fx = app.on_key(enter());
    assert!(matches!(fx.as_slice(), [Effect::Risk { except: None, .. }]));
}

#[test]
fn a_handled_incident_and_a_viewer_are_refused_before_any_prompt() {
    let mut app = risk_app();
    app.on_key(key('j'));
    assert_eq!(app.risk.current().map(|r| r.id), Some(11));
    assert!(app.on_key(key('w')).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    let flash = app.flash.clone().expect("refused");
    assert!(flash.error && flash.text.contains("#11") && flash.text.contains("wang.lei"));

    let mut app = risk_app();
    app.access.role = shequn::domain::roles::Role::Viewer;
    for c in ['w', 'm', 'x', 'C', 'd', 'v', 'a'] {
        assert!(app.on_key(key(c)).is_empty(), "{c}");
        assert_eq!(app.mode, Mode::Normal, "{c}");
        assert!(app.flash.as_ref().is_some_and(|f| f.error), "{c}");
    }
    // looking is not writing
    app.on_key(key('i'));
    assert_eq!(app.mode, Mode::Detail);
}

#[test]
fn the_risk_tab_reloads_on_the_risk_topic_only() {
    let mut app = risk_app();
    for topics in [
        Topics::MEMBERS,
        Topics::SETTINGS,
        Topics::GROUPS,
        Topics::KPI,
    ] {
        let fx = app.update(Action::Changed(Changed {
            topics,
            members: None,
        }));
        assert!(
            !fx.contains(&Effect::Load(Tab::Risk, app.today_day)),
            "{topics:?}"
        );
    }
    let fx = app.update(Action::Changed(Changed {
        topics: Topics::RISK,
        members: None,
    }));
    assert_eq!(fx, vec![Effect::Load(Tab::Risk, app.today_day)]);
    // a refused step (a colleague acted first) looks again
    app.risk.stale = false;
    let fx = app.update(Action::Saved(Err("incident #10 was handled".into())));
    assert_eq!(fx, vec![Effect::Load(Tab::Risk, app.today_day)]);
    // a sanction is a risk change as seen from another tab: stale, loaded when shown
    app.update(Action::GoTab(Tab::Members));
    app.update(Action::Changed(Changed {
        topics: Topics::RISK | Topics::MEMBERS,
        members: None,
    }));
    assert!(
        app.update(Action::GoTab(Tab::Risk))
            .contains(&Effect::Load(Tab::Risk, app.today_day))
    );
}

#[test]
fn a_word_is_previewed_on_the_history_before_it_is_added() {
    let mut app = risk_app();
    app.on_key(key('a'));
    assert!(matches!(app.mode, Mode::Picker { .. }));
    // the first list: ad
    app.on_key(enter());
    type_text(&mut app, "代写");
    let fx = app.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::PreviewWord {
            category: Category::Ad,
            word: "代写".into()
        }]
    );
    let preview = WordPreview {
        category: Category::Ad,
        word: "代写".into(),
        report: Default::default(),
    };
    app.update(Action::Loaded(Loaded::WordPreview(Box::new(
        preview.clone(),
    ))));
    assert_eq!(app.mode, Mode::WordPreview);
    // Esc: nothing saved
    assert!(app.on_key(esc()).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    app.update(Action::Loaded(Loaded::WordPreview(Box::new(preview))));
    let fx = app.on_key(enter());
    assert_eq!(
        fx,
        vec![Effect::AddWord {
            category: Category::Ad,
            word: "代写".into()
        }]
    );
}
