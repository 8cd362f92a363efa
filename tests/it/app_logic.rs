//! The console's logic through actions and key events, without a terminal or database.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use shequn::app::keymap::Keymap;
use shequn::app::{ACTIONS, Action, App, Effect, Loaded, Mode, Tab};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::domain::rules::Rules;
use shequn::i18n::Lang;
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
    a.update(Action::Loaded(Loaded::Members(members(&["张三"]))));
    a.on_key(key('1'));
    let fx = a.on_key(key('2'));
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Load(..))),
        "already loaded: {fx:?}"
    );
    // a colleague's change makes it stale: the visible tab reloads at once
    let fx = a.update(Action::DataChanged);
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Load(Tab::Members, _)))
    );
    // Tab and Shift-Tab wrap around
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.tab, Tab::Today);
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.tab, Tab::Reminders);
    a.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    assert_eq!(a.tab, Tab::Today);
}

#[test]
fn slash_filters_the_list_and_esc_clears_it() {
    let mut a = app();
    a.on_key(key('2'));
    a.update(Action::Loaded(Loaded::Members(members(&[
        "张三", "李四", "Amy", "张伟",
    ]))));
    a.on_key(key('/'));
    assert!(matches!(a.mode, Mode::Search { .. }));
    a.on_key(key('张'));
    assert_eq!(a.members.visible.len(), 2);
    // typing 'q' in the search line is text, not quit
    let fx = a.on_key(key('q'));
    assert!(!a.quit && fx.is_empty());
    a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(a.members.filter, "张");
    a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(a.members.visible.len(), 4);
}

#[test]
fn pasted_text_goes_into_the_search_line() {
    let mut a = app();
    a.on_key(key('2'));
    a.update(Action::Loaded(Loaded::Members(members(&["张三", "李四"]))));
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
    a.update(Action::Loaded(Loaded::Members(members(&refs))));
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
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
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
    zh.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(zh.tab, Tab::Members);
    zh.on_key(key(':'));
    zh.on_paste("quit");
    let fx = zh.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
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
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(a.mode, Mode::Normal, "nothing to open on an empty list");
    a.update(Action::Loaded(Loaded::Members(members(&["张三"]))));
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(a.mode, Mode::Detail);
    a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn midnight_rolls_the_today_tab_over() {
    let mut a = app();
    a.update(Action::Loaded(Loaded::Today(a.today_day, Vec::new())));
    let next = parse_now("2026-03-03T00:00:30", DEFAULT_TZ).unwrap();
    let fx = a.update(Action::Tick(next));
    let day = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    assert_eq!(fx, vec![Effect::Load(Tab::Today, day)]);
    // a late answer for yesterday is dropped
    a.update(Action::Loaded(Loaded::Today(
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        Vec::new(),
    )));
    assert!(a.today.stale);
}
