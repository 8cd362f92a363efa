//! The Content tab's console logic without a terminal: the item form (Chinese text,
//! groups, slot, keyword hits), a stale save that keeps every character typed, the
//! three-check review, the results form, the Today tab's content rows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use shequn::app::content::{ContentData, Field};
use shequn::app::keymap::Keymap;
use shequn::app::{ACTIONS, Action, App, Effect, Loaded, Mode, Tab};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::domain::content::{Form, Kind, State};
use shequn::domain::keywords::Keywords;
use shequn::domain::rules::Rules;
use shequn::i18n::Lang;
use shequn::store::content::{ContentItem, ContentStep};

fn app() -> App {
    let mut a = App::new(
        Lang::Zh,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        parse_now(crate::NOW, DEFAULT_TZ).unwrap(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    );
    a.content_state.keywords = Some(std::sync::Arc::new(Keywords::shipped()));
    a.update(Action::GoTab(Tab::Content));
    a.update(Action::Loaded(Loaded::Content(Box::new(ContentData {
        groups: vec![(1, "宝妈育儿交流群".into()), (2, "读书会".into())],
        ..ContentData::default()
    }))));
    a
}

fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
    a.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        press(a, KeyCode::Char(c));
    }
}

fn ctrl_s(a: &mut App) -> Vec<Effect> {
    a.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))
}

fn tab_to(a: &mut App, field: Field) {
    for _ in 0..Field::ORDER.len() {
        if a.content_state.form.as_ref().map(|f| f.focus) == Some(field) {
            return;
        }
        press(a, KeyCode::Tab);
    }
    panic!("no field {field:?}");
}

pub fn item(id: i64, state: State, version: i64, body: &str) -> ContentItem {
    ContentItem {
        id,
        title: "新手妈妈必知的 5 个育儿误区".into(),
        body: body.into(),
        kind: Kind::Engage,
        form: Form::Article,
        column: Some("育儿干货".into()),
        tags: vec!["新手".into()],
        groups: vec![(1, "宝妈育儿交流群".into())],
        slot: Some(1_772_454_600), // 2026-03-02 20:30 +08:00
        owner: "li.na".into(),
        author: "li.na".into(),
        state,
        material_name: "202603 促活-育儿干货-图文".into(),
        material_set: false,
        reject_reason: None,
        lesson: None,
        version,
        updated_by: "li.na".into(),
        updated_at: 1_772_400_000,
        created_at: 1_772_300_000,
        reviews: Vec::new(),
        results: None,
    }
}

/// Ask for the selected item's form the way a key does, and answer as the store would.
fn open_with(a: &mut App, key: char, it: ContentItem) {
    a.content_state.pending = None;
    let rows = vec![shequn::store::views::ContentRow {
        id: it.id,
        title: it.title.clone(),
        kind: it.kind.word().into(),
        form: it.form.word().into(),
        state: it.state.word().into(),
        slot: it.slot,
        owner: it.owner.clone(),
        groups: vec!["宝妈育儿交流群".into()],
    }];
    a.content.set_rows(rows);
    let fx = press(a, KeyCode::Char(key));
    assert_eq!(
        fx,
        vec![Effect::LoadContent(it.id)],
        "{key} asks for the item"
    );
    a.update(Action::Loaded(Loaded::ContentItem(Box::new(it))));
}

#[test]
fn a_new_item_typed_in_chinese_is_saved_with_every_field() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(a.mode, Mode::ContentForm);
    typed(&mut a, "新手妈妈必知的 5 个育儿误区");
    tab_to(&mut a, Field::Kind);
    press(&mut a, KeyCode::Right); // 促活 → 转化
    tab_to(&mut a, Field::Form);
    press(&mut a, KeyCode::Right); // 图文 → 短视频
    tab_to(&mut a, Field::Column);
    typed(&mut a, "育儿干货");
    tab_to(&mut a, Field::Groups);
    typed(&mut a, "宝妈育儿交流群，读书会");
    tab_to(&mut a, Field::Slot);
    typed(&mut a, "2026-03-03 20:00");
    tab_to(&mut a, Field::Tags);
    typed(&mut a, "新手、睡眠");
    tab_to(&mut a, Field::Body);
    typed(&mut a, "宝宝晚上总醒？");
    press(&mut a, KeyCode::Enter);
    typed(&mut a, "三个办法");
    let form = a.content_state.form.as_ref().unwrap();
    assert_eq!(
        form.proposed_material(a.real_today()),
        "202603 转化-育儿干货-短视频"
    );
    let fx = ctrl_s(&mut a);
    let [Effect::ContentSave { id, version, input }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!((*id, *version), (None, None));
    assert_eq!(input.title, "新手妈妈必知的 5 个育儿误区");
    assert_eq!(input.body, "宝宝晚上总醒？\n三个办法");
    assert_eq!((input.kind, input.form), (Kind::Convert, Form::Video));
    assert_eq!(input.column.as_deref(), Some("育儿干货"));
    assert_eq!(input.groups, vec![1, 2]);
    assert_eq!(input.tags, vec!["新手".to_string(), "睡眠".into()]);
    assert_eq!(input.owner, "me");
    // 20:00 in the team's zone (+08:00)
    assert_eq!(input.slot, Some(1_772_539_200));
    // the form stays until the store says it is saved
    assert_eq!(a.mode, Mode::ContentForm);
    a.update(Action::Saved(Ok("#9 ✓".into())));
    assert_eq!(a.mode, Mode::Normal);
    assert!(a.content_state.form.is_none());
}

#[test]
fn the_form_refuses_unknown_groups_a_bad_time_and_no_title_and_asks_before_discarding() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    assert!(ctrl_s(&mut a).is_empty(), "no title");
    assert!(a.content_state.form.as_ref().unwrap().error.is_some());
    typed(&mut a, "标题");
    tab_to(&mut a, Field::Groups);
    typed(&mut a, "不存在的群");
    assert!(ctrl_s(&mut a).is_empty());
    let err = a
        .content_state
        .form
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(
        err.contains("不存在的群") && err.contains("读书会"),
        "{err}"
    );
    for _ in 0.."不存在的群".chars().count() {
        press(&mut a, KeyCode::Backspace);
    }
    tab_to(&mut a, Field::Slot);
    typed(&mut a, "明晚八点");
    assert!(ctrl_s(&mut a).is_empty());
    assert!(
        a.content_state
            .form
            .as_ref()
            .unwrap()
            .error
            .clone()
            .unwrap()
            .contains("明晚八点")
    );
    // Esc on unsaved text asks first; the second Esc discards
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.mode, Mode::ContentForm);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn keyword_hits_are_found_while_typing() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    typed(&mut a, "福利");
    tab_to(&mut a, Field::Body);
    typed(&mut a, "想要的加我微信，私聊领取");
    let hits = &a.content_state.form.as_ref().unwrap().hits;
    let words: Vec<&str> = hits.iter().map(|h| h.word.as_str()).collect();
    assert!(words.contains(&"加我微信"), "{words:?}");
    // removing the words clears them
    for _ in 0..12 {
        press(&mut a, KeyCode::Backspace);
    }
    assert!(a.content_state.form.as_ref().unwrap().hits.is_empty());
}

#[test]
fn a_stale_save_keeps_the_text_and_the_next_save_knowingly_uses_their_version() {
    let mut a = app();
    open_with(&mut a, 'e', item(7, State::Draft, 3, "原来的正文"));
    assert_eq!(a.mode, Mode::ContentForm);
    typed(&mut a, "，我加的一句");
    let fx = ctrl_s(&mut a);
    let [Effect::ContentSave { id, version, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!((*id, *version), (Some(7), Some(3)));
    // the store refuses: 王芳 saved version 4 meanwhile
    let fx = a.update(Action::ContentConflict {
        id: 7,
        by: "wang.fang".into(),
        at: "2026-03-02 08:20".into(),
        rescued: Some("/tmp/rescued/content-7.md".into()),
    });
    assert_eq!(fx, vec![Effect::LoadContent(7)]);
    assert_eq!(a.mode, Mode::ContentForm, "the form stays open");
    let form = a.content_state.form.as_ref().unwrap();
    assert_eq!(form.conflict.as_ref().unwrap().by, "wang.fang");
    assert_eq!(
        shequn::app::content::text_of(&form.body),
        "原来的正文，我加的一句"
    );
    // their version arrives: the text stays mine, the version becomes theirs
    let mut theirs = item(7, State::Draft, 4, "王芳改过的正文");
    theirs.updated_by = "wang.fang".into();
    a.update(Action::Loaded(Loaded::ContentItem(Box::new(theirs))));
    let form = a.content_state.form.as_ref().unwrap();
    assert_eq!(form.version, Some(4));
    assert_eq!(
        shequn::app::content::text_of(&form.body),
        "原来的正文，我加的一句"
    );
    let fx = ctrl_s(&mut a);
    let [Effect::ContentSave { version, input, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(*version, Some(4));
    assert_eq!(input.body, "原来的正文，我加的一句");
}

#[test]
fn only_drafts_and_items_in_review_open_for_editing() {
    let mut a = app();
    open_with(&mut a, 'e', item(7, State::Scheduled, 3, "正文"));
    assert_eq!(a.mode, Mode::Normal);
    assert!(a.flash.as_ref().is_some_and(|f| f.error));
}

#[test]
fn reviewing_ones_own_item_is_refused_before_the_form_opens_in_the_consoles_language() {
    let mut a = app();
    let mut mine = item(7, State::Review, 5, "干货正文");
    mine.author = "me".into();
    open_with(&mut a, 'a', mine);
    assert_eq!(a.mode, Mode::Normal, "no form to fill in for nothing");
    assert!(a.content_state.review.is_none());
    let flash = a.flash.clone().unwrap();
    assert!(flash.error);
    assert_eq!(flash.text, "这条是你写的,请同事审核。");
    // short enough for the status line of the smallest console (80 columns)
    assert!(unicode_width::UnicodeWidthStr::width(flash.text.as_str()) < 60);
    let en = Lang::En.texts();
    assert!(unicode_width::UnicodeWidthStr::width(en.content.own_review.as_str()) < 60);
    // a colleague's item opens the form as before
    open_with(&mut a, 'a', item(8, State::Review, 5, "干货正文"));
    assert_eq!(a.mode, Mode::ReviewForm);
}

#[test]
fn the_review_approves_when_all_pass_and_sends_back_with_the_failed_notes() {
    let mut a = app();
    open_with(&mut a, 'a', item(7, State::Review, 5, "干货正文"));
    assert_eq!(a.mode, Mode::ReviewForm);
    let fx = ctrl_s(&mut a);
    let [Effect::ContentStep { id, version, step }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!((*id, *version), (7, Some(5)));
    assert!(
        matches!(step, ContentStep::Approve(r) if r.compliance.pass && r.fit.pass && r.appeal.pass)
    );

    open_with(&mut a, 'a', item(7, State::Review, 5, "干货正文"));
    press(&mut a, KeyCode::Tab); // 匹配度
    press(&mut a, KeyCode::Char(' ')); // fail
    typed(&mut a, "和群定位不符");
    let fx = ctrl_s(&mut a);
    let [Effect::ContentStep { step, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    let ContentStep::Reject { reason, review } = step else {
        panic!("{step:?}");
    };
    assert!(
        reason.contains("匹配度") && reason.contains("和群定位不符"),
        "{reason}"
    );
    assert!(!review.as_ref().unwrap().fit.pass);
}

#[test]
fn a_keyword_in_the_text_blocks_approval_until_a_reason_is_given() {
    let mut a = app();
    open_with(&mut a, 'a', item(7, State::Review, 5, "有需要的加我微信"));
    let f = a.content_state.review.as_ref().unwrap();
    assert!(!f.hits.is_empty());
    assert!(ctrl_s(&mut a).is_empty(), "blocked");
    assert_eq!(a.content_state.review.as_ref().unwrap().focus, 3);
    typed(&mut a, "官方客服微信，已核实");
    let fx = ctrl_s(&mut a);
    let [Effect::ContentStep { step, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert!(
        matches!(step, ContentStep::Approve(r) if r.override_reason.as_deref() == Some("官方客服微信，已核实"))
    );
}

#[test]
fn results_take_whole_numbers_only() {
    let mut a = app();
    open_with(&mut a, 'r', item(7, State::Published, 6, "正文"));
    assert_eq!(a.mode, Mode::ResultsForm);
    typed(&mut a, "1a2"); // letters are ignored
    press(&mut a, KeyCode::Tab);
    typed(&mut a, "30");
    let fx = ctrl_s(&mut a);
    let [Effect::ContentStep { step, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    let ContentStep::Results(r) = step else {
        panic!("{step:?}");
    };
    assert_eq!((r.opens, r.forwards, r.replies), (Some(12), Some(30), None));
}

#[test]
fn pipeline_keys_become_steps_on_the_selected_item() {
    let mut a = app();
    open_with(&mut a, 'e', item(7, State::Draft, 1, ""));
    press(&mut a, KeyCode::Esc);
    for (k, want) in [
        ('s', ContentStep::Submit),
        ('p', ContentStep::Publish),
        ('u', ContentStep::Unschedule),
    ] {
        let fx = press(&mut a, KeyCode::Char(k));
        assert_eq!(
            fx,
            vec![Effect::ContentStep {
                id: 7,
                version: None,
                step: want
            }]
        );
    }
}

#[test]
fn a_scheduled_post_is_on_the_today_list_counts_against_the_quota_and_space_publishes_it() {
    use shequn::store::Store;
    use shequn::store::views;
    let (_d, db) = crate::fresh_demo();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let mut store = Store::open(&db, "li.na").unwrap();
    let rows = views::content_today(store.conn(), day, DEFAULT_TZ).unwrap();
    let post = rows
        .iter()
        .find(|r| r.title.starts_with("限时秒杀|豆腐猫砂"))
        .expect("the demo's 10:00 offer");
    assert_eq!((post.slot.as_str(), post.state.as_str()), ("10:00", "todo"));
    assert!(post.send, "a post is a mass send");
    let content_id = post.content_id.expect("a content row");
    let group = post.group.clone();
    let quota = |store: &Store| {
        views::quotas(store.conn(), day, 31, DEFAULT_TZ)
            .unwrap()
            .into_iter()
            .find(|q| q.group == group)
            .unwrap()
    };
    let before = quota(&store);
    assert!(before.planned >= 1, "{before:?}");

    // space on that row in the console asks to publish it
    let mut a = app();
    a.update(Action::GoTab(Tab::Today));
    let today_day = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(
        shequn::app::TodayData {
            day: today_day,
            rows: rows.clone(),
            quotas: Vec::new(),
            on_time: Vec::new(),
            operators: Vec::new(),
            templates: Vec::new(),
            groups: None,
        },
    ))));
    press(&mut a, KeyCode::Char('g'));
    while a.today.current().map(|r| r.content_id) != Some(Some(content_id)) {
        press(&mut a, KeyCode::Char('j'));
    }
    let fx = press(&mut a, KeyCode::Char(' '));
    let [Effect::ContentStep { id, step, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!((*id, step), (content_id, &ContentStep::Publish));

    // the store does it: the row turns done, the send moves from planned to used
    let keywords = Keywords::shipped();
    store
        .write(step.perm(), |tx, op| {
            shequn::store::content::step(
                tx,
                op,
                1_772_420_000,
                *id,
                None,
                step,
                &Rules::shipped(),
                &keywords,
            )
        })
        .unwrap();
    let rows = views::content_today(store.conn(), day, DEFAULT_TZ).unwrap();
    let post = rows
        .iter()
        .find(|r| r.content_id == Some(content_id))
        .unwrap();
    assert_eq!(post.state, "done");
    let after = quota(&store);
    assert_eq!(
        (after.used, after.planned),
        (before.used + 1, before.planned - 1)
    );
}

#[test]
fn approving_into_a_full_day_says_so_in_the_confirmation() {
    use shequn::store::Store;
    let (_d, db) = crate::init_db();
    crate::bin()
        .args(["group", "add", "宠物用品团购群", "--kind", "福利型", "--db"])
        .arg(&db)
        .assert()
        .success();
    let s = Store::open(&db, "li.na").unwrap();
    // four posts on 03-03 from 10:00, ten minutes apart: one too many, and too close
    let ten = 1_772_503_200; // 2026-03-03 10:00 +08:00
    for i in 0..4 {
        s.conn()
            .execute(
                "INSERT INTO content_items (id, title, kind, form, state, slot, owner, created_at, updated_at, updated_by)
                 VALUES (?1, ?2, 'convert', 'text', 'scheduled', ?3, 'li.na', 0, 0, 'li.na')",
                rusqlite::params![i + 1, format!("秒杀 {i}"), ten + i * 600],
            )
            .unwrap();
        s.conn()
            .execute("INSERT INTO content_groups VALUES (?1, 1)", [i + 1])
            .unwrap();
    }
    let env = shequn::console::StoreEnv {
        tz: DEFAULT_TZ,
        rules: Rules::shipped(),
        saved_override: String::new(),
        texts: Lang::Zh.texts(),
        keywords: std::sync::Arc::new(Keywords::shipped()),
    };
    let note = shequn::console::schedule_note(&s, 4, &env).expect("a warning");
    assert!(note.contains("宠物用品团购群 03-03: 4 条"), "{note}");
    assert!(note.contains("超过每天 3 条"), "{note}");
    assert!(note.contains("冲突 #3/#4 (10 min)"), "{note}");
}

#[test]
fn our_own_save_reloads_what_it_touched_like_a_colleagues_change() {
    use shequn::app::Changed;
    use shequn::store::changes::Topics;
    let mut a = app();
    a.update(Action::GoTab(Tab::Today));
    a.update(Action::GoTab(Tab::Members));
    a.update(Action::GoTab(Tab::Today));
    a.update(Action::Loaded(shequn::app::Loaded::Members(
        Vec::new(),
        None,
    )));
    a.update(Action::Loaded(shequn::app::Loaded::Today(Box::new(
        shequn::app::TodayData {
            day: a.today_day,
            ..Default::default()
        },
    ))));
    assert!(!a.content.stale);
    // e.g. a post published from the Today tab: the save itself only says so …
    let fx = a.update(Action::Saved(Ok("#7 → published".into())));
    assert!(fx.is_empty(), "{fx:?}");
    // … and the store thread follows with what the write touched
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::CONTENT | Topics::SOP,
        members: None,
    }));
    assert_eq!(fx.len(), 1, "the visible tab reloads: {fx:?}");
    assert!(a.content.stale, "the Content tab reloads when shown");
    assert!(!a.members.stale && !a.kpi.stale && !a.reminders.stale);
}

#[test]
fn tab_completes_the_one_group_that_matches_what_is_typed() {
    let mut a = app();
    a.update(Action::Loaded(Loaded::Content(Box::new(ContentData {
        groups: vec![
            (1, "宝妈育儿交流群".into()),
            (2, "读书会".into()),
            (3, "杭州读书会".into()),
        ],
        ..ContentData::default()
    }))));
    press(&mut a, KeyCode::Char('n'));
    tab_to(&mut a, Field::Groups);
    let groups =
        |a: &App| shequn::app::content::text_of(&a.content_state.form.as_ref().unwrap().groups);
    let focus = |a: &App| a.content_state.form.as_ref().unwrap().focus;
    // pinyin initials of one group: Tab completes it and stays on the field
    typed(&mut a, "bm");
    press(&mut a, KeyCode::Tab);
    assert_eq!(groups(&a), "宝妈育儿交流群");
    assert_eq!(focus(&a), Field::Groups);
    // the next name in the list: `dsh` is 读书会 and 杭州读书会, so Tab moves on
    typed(&mut a, "，dsh");
    press(&mut a, KeyCode::Tab);
    assert_eq!(groups(&a), "宝妈育儿交流群，dsh");
    assert_ne!(focus(&a), Field::Groups);
    tab_to(&mut a, Field::Groups);
    for _ in 0..3 {
        press(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, " hz");
    press(&mut a, KeyCode::Tab);
    assert_eq!(groups(&a), "宝妈育儿交流群， 杭州读书会");
    // complete already: Tab moves on
    press(&mut a, KeyCode::Tab);
    assert_ne!(focus(&a), Field::Groups);
}

#[test]
fn a_new_item_is_selected_in_the_list_once_saved() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    typed(&mut a, "周末亲子活动预告");
    tab_to(&mut a, Field::Groups);
    typed(&mut a, "读书会");
    let fx = ctrl_s(&mut a);
    assert!(
        matches!(fx.as_slice(), [Effect::ContentSave { id: None, .. }]),
        "{fx:?}"
    );
    a.update(Action::Saved(Ok("#12 ✓".into())));
    let row = |id: i64, title: &str| shequn::store::views::ContentRow {
        id,
        title: title.into(),
        kind: "engage".into(),
        form: "article".into(),
        state: "draft".into(),
        slot: None,
        owner: "me".into(),
        groups: vec!["读书会".into()],
    };
    // the reload after the save holds it among others
    a.update(Action::Loaded(Loaded::Content(Box::new(ContentData {
        rows: vec![
            row(3, "新手妈妈必知的 5 个育儿误区"),
            row(7, "读书会三月书单"),
            row(12, "周末亲子活动预告"),
            row(9, "双十一福利预热"),
        ],
        groups: vec![(1, "宝妈育儿交流群".into()), (2, "读书会".into())],
        ..ContentData::default()
    }))));
    assert_eq!(a.content.current().map(|r| r.id), Some(12));
    assert!(a.content_state.select_new.is_none());
    // later reloads keep whatever the operator selects
    a.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE));
    let now = a.content.current().map(|r| r.id);
    assert_ne!(now, Some(12));
}
