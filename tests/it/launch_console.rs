//! The launch board in the console (issue 16), through actions and keys on an App over
//! a demo database, its effects run by the store thread's own handlers: the form's
//! refusals keep what was typed, a launch from the form is on the board selected, the
//! board is a list (Enter opens the selected group's launch detail, not the KPI row
//! underneath), a kit item is done and undone from the detail, its text copied filled.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rusqlite::Connection;

use shequn::app::keymap::Keymap;
use shequn::app::launch::LaunchField;
use shequn::app::{ACTIONS, Action, App, Effect, Mode, Tab};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::console::{StoreEnv, handlers};
use shequn::domain::roles::{Access, Perm, Role};
use shequn::domain::rules::Rules;
use shequn::i18n::Lang;
use shequn::store::Store;

use crate::NOW;

struct Console {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    store: Store,
    env: StoreEnv,
    app: App,
}

/// A console on a fresh copy of the demo, as the operator li.na, on the KPIs tab.
fn console(lang: Lang) -> Console {
    let (dir, db) = crate::fresh_demo();
    let now = parse_now(NOW, DEFAULT_TZ).unwrap();
    let mut app = App::new(
        lang,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        now,
        DEFAULT_TZ,
        "demo.db".into(),
        "li.na".into(),
    );
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    let store = Store::open(&db, "li.na").unwrap();
    let env = StoreEnv {
        tz: DEFAULT_TZ,
        rules: Rules::shipped(),
        saved_override: String::new(),
        texts: lang.texts(),
        keywords: std::sync::Arc::new(shequn::domain::keywords::Keywords::shipped()),
    };
    let mut c = Console {
        _dir: dir,
        db,
        store,
        env,
        app,
    };
    c.app.update(Action::GoTab(Tab::Kpi));
    c.reload();
    c
}

impl Console {
    fn reload(&mut self) {
        let now = self.app.now;
        let day = self.app.today_day;
        let loaded = shequn::console::load(&mut self.store, Tab::Kpi, day, now, &self.env).unwrap();
        self.app.update(Action::Loaded(loaded));
    }

    /// Run the effects as the store thread would: the write, its answer, then the
    /// reload its change signals bring. Returns what was copied.
    fn run(&mut self, fx: Vec<Effect>) -> Vec<String> {
        let now = self.app.now;
        let mut copied = Vec::new();
        for e in fx {
            let answer = match e {
                Effect::Launch(input) => {
                    handlers::launch::launch(&mut self.store, &self.env, now, &input)
                }
                Effect::LaunchKit(k) => handlers::launch::kit(&mut self.store, &self.env, now, &k),
                Effect::Copy(text) => {
                    copied.push(text);
                    continue;
                }
                other => panic!("not a launch effect: {other:?}"),
            };
            let more = self.app.update(answer);
            assert!(more.is_empty(), "{more:?}");
            self.reload();
        }
        copied
    }

    fn keys(&mut self, keys: &[KeyEvent]) -> Vec<Effect> {
        keys.iter().flat_map(|k| self.app.on_key(*k)).collect()
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            let fx = self.app.on_key(key(KeyCode::Char(c)));
            assert!(fx.is_empty());
        }
    }

    fn form(&self) -> &shequn::app::launch::LaunchForm {
        self.app.launch.form.as_ref().expect("the form is open")
    }

    fn selected_group(&self) -> Option<String> {
        self.app.launch.board.current().map(|r| r.group.clone())
    }

    fn count(&self, sql: &str) -> i64 {
        Connection::open(&self.db)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

#[test]
fn the_form_refuses_in_the_console_s_language_and_keeps_what_was_typed() {
    for (lang, part, taken) in [
        (Lang::Zh, "解决方案", "已经有叫"),
        (Lang::En, "solution", "exists already"),
    ] {
        let mut c = console(lang);
        // n opens the form from the KPI table as well as from the board
        assert!(c.keys(&[ch('n')]).is_empty());
        assert_eq!(c.app.mode, Mode::LaunchForm);
        assert_eq!(c.form().start, "2026-03-02", "today by default");
        // no name
        assert!(c.keys(&[key(KeyCode::Enter)]).is_empty());
        assert_eq!(c.form().field, LaunchField::Name);
        assert!(c.form().error.is_some());
        // a name another group has
        c.typed("宝妈育儿交流群3群");
        assert!(c.keys(&[key(KeyCode::Enter)]).is_empty());
        let e = c.form().error.clone().unwrap();
        assert!(e.contains(taken) && e.contains("宝妈育儿交流群3群"), "{e}");
        for _ in 0.."宝妈育儿交流群3群".chars().count() {
            c.keys(&[key(KeyCode::Backspace)]);
        }
        c.typed("职场穿搭研习社");
        // no kind chosen yet
        c.keys(&[key(KeyCode::Enter)]);
        assert_eq!(c.form().field, LaunchField::Kind);
        // typing narrows the kinds by pinyin initials and picks the best
        c.typed("xq");
        assert_eq!(c.form().kind().as_deref(), Some("兴趣型"));
        // → the platform: ←→ switches it
        c.keys(&[key(KeyCode::Tab), key(KeyCode::Right)]);
        assert_eq!(c.form().platform(), "wecom");
        // a positioning without its solution: refused naming the part, text kept
        c.keys(&[key(KeyCode::Tab)]);
        c.typed("为 25-35 岁职场女性提供穿搭");
        c.keys(&[key(KeyCode::Tab)]);
        let fx = c.keys(&[key(KeyCode::Enter)]);
        assert!(fx.is_empty(), "{fx:?}");
        let f = c.form();
        let e = f.error.clone().unwrap();
        assert!(e.contains(part), "{e}");
        assert_eq!(f.field, LaunchField::Positioning, "the focus goes to it");
        assert_eq!(f.positioning, "为 25-35 岁职场女性提供穿搭");
        assert_eq!(f.name, "职场穿搭研习社");
        assert_eq!(f.kind().as_deref(), Some("兴趣型"));
        // a start day that is not one
        c.typed("解决方案,每周 3 次穿搭教程 + 专属折扣");
        c.keys(&[key(KeyCode::Tab)]);
        for _ in 0..10 {
            c.keys(&[key(KeyCode::Backspace)]);
        }
        c.typed("下周一");
        assert!(c.keys(&[key(KeyCode::Enter)]).is_empty());
        assert_eq!(c.form().field, LaunchField::Start);
        assert!(c.form().error.as_deref().unwrap().contains("下周一"));
        // nothing was written by any of it
        assert_eq!(
            c.count("SELECT count(*) FROM groups WHERE name = '职场穿搭研习社'"),
            0
        );
        // Esc leaves without a trace
        c.keys(&[key(KeyCode::Esc)]);
        assert_eq!(c.app.mode, Mode::Normal);
        assert!(c.app.launch.form.is_none());
    }
}

#[test]
fn a_group_launched_from_the_form_is_on_the_board_selected() {
    let mut c = console(Lang::Zh);
    c.keys(&[ch('l')]);
    assert!(c.app.kpi_view.launch);
    let before = c.app.launch.board.rows.len();
    c.keys(&[ch('n')]);
    c.typed("职场穿搭研习社");
    c.keys(&[key(KeyCode::Tab), key(KeyCode::Right)]); // the first kind: 福利型
    c.keys(&[
        key(KeyCode::Right),
        key(KeyCode::Right),
        key(KeyCode::Right),
    ]);
    c.keys(&[key(KeyCode::Right)]);
    assert_eq!(c.form().kind().as_deref(), Some("兴趣型"));
    c.keys(&[key(KeyCode::Tab), key(KeyCode::Tab)]);
    c.app
        .on_paste("为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣");
    c.keys(&[key(KeyCode::Tab)]);
    for _ in 0..10 {
        c.keys(&[key(KeyCode::Backspace)]);
    }
    c.typed("2026-03-01");
    let fx = c.keys(&[key(KeyCode::Enter)]);
    assert!(
        matches!(fx.as_slice(), [Effect::Launch(i)] if i.name == "职场穿搭研习社"
            && i.kind == "兴趣型" && i.platform == "personal"
            && i.start.to_string() == "2026-03-01"
            && i.positioning.as_deref().is_some_and(|p| p.contains("每周 3 次"))),
        "{fx:?}"
    );
    assert!(c.form().sent, "the form waits for the store");
    c.run(fx);
    assert_eq!(c.app.mode, Mode::Normal);
    assert!(c.app.launch.form.is_none());
    assert!(c.app.kpi_view.launch, "the board shows");
    assert_eq!(c.app.launch.board.rows.len(), before + 1);
    assert_eq!(c.selected_group().as_deref(), Some("职场穿搭研习社"));
    let flash = c.app.flash.clone().unwrap();
    assert!(
        !flash.error && flash.text.contains("职场穿搭研习社"),
        "{flash:?}"
    );
    // made by the same store function as `shequn group launch`: its plan, kit and SOP
    let s = c.app.launch.board.current().unwrap();
    assert_eq!(s.phases.len(), 7);
    assert_eq!((s.kit_done, s.kit_total), (0, 7));
    assert_eq!(s.opens.to_string(), "2026-03-04");
    assert!(s.positioning.as_deref().unwrap().starts_with("为 25-35 岁"));
    assert_eq!(
        c.count(
            "SELECT count(*) FROM audit a JOIN groups g ON g.id = a.entity_id
             WHERE a.entity = 'launch' AND a.action = 'launch' AND g.name = '职场穿搭研习社'
             AND a.operator = 'li.na'"
        ),
        1
    );
    // the store refuses a second one of the same name: said in the form, nothing lost
    c.keys(&[ch('n')]);
    c.typed("职场穿搭研习社2");
    c.keys(&[key(KeyCode::Tab), key(KeyCode::Right)]);
    let fx = c.keys(&[key(KeyCode::Enter)]);
    assert_eq!(fx.len(), 1);
    c.app.update(Action::Saved(Err("数据库忙".into())));
    assert_eq!(c.app.mode, Mode::LaunchForm);
    assert_eq!(c.form().name, "职场穿搭研习社2");
    assert_eq!(c.form().error.as_deref(), Some("数据库忙"));
    assert!(!c.form().sent);
    assert!(c.app.launch.select_new.is_none());
}

#[test]
fn a_role_without_group_edit_is_refused_in_the_console_s_language() {
    let mut c = console(Lang::Zh);
    c.app.access = Access {
        login: "zhao.min".into(),
        role: Role::Assistant,
        readonly: false,
        listed: true,
        owners: vec!["wang.lei".into()],
        db: None,
    };
    c.keys(&[ch('l')]);
    assert!(c.keys(&[ch('n')]).is_empty());
    assert_eq!(c.app.mode, Mode::Normal, "no form opens");
    let flash = c.app.flash.clone().unwrap();
    assert!(flash.error);
    assert_eq!(flash.text, c.app.refusal(Perm::GroupEdit));
    assert!(
        flash
            .text
            .chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
        "{flash:?}"
    );
    // the detail opens (reading is for everyone), its Space is refused
    c.keys(&[key(KeyCode::Enter)]);
    assert_eq!(c.app.mode, Mode::LaunchDetail);
    assert!(c.keys(&[ch(' ')]).is_empty());
    assert_eq!(
        c.app.flash.as_ref().unwrap().text,
        c.app.refusal(Perm::GroupEdit)
    );
    assert_eq!(c.app.mode, Mode::LaunchDetail);
}

#[test]
fn enter_on_the_board_opens_the_selected_group_s_launch_detail() {
    let mut c = console(Lang::En);
    c.keys(&[ch('l')]);
    let names: Vec<String> = c
        .app
        .launch
        .board
        .rows
        .iter()
        .map(|r| r.group.clone())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(c.selected_group().as_ref(), Some(&names[0]));
    c.keys(&[ch('j')]);
    assert_eq!(c.selected_group().as_ref(), Some(&names[1]));
    c.keys(&[ch('j')]);
    assert_eq!(
        c.selected_group().as_ref(),
        Some(&names[1]),
        "stays on the last"
    );
    c.keys(&[ch('k')]);
    assert_eq!(c.selected_group().as_ref(), Some(&names[0]));
    c.keys(&[key(KeyCode::Enter)]);
    assert_eq!(c.app.mode, Mode::LaunchDetail, "not the KPI row's details");
    assert_eq!(
        c.app.launch_detail().map(|s| s.group.clone()).as_ref(),
        Some(&names[0])
    );
    c.keys(&[key(KeyCode::Esc)]);
    assert_eq!(c.app.mode, Mode::Normal);
    c.keys(&[ch('j'), ch('i')]);
    assert_eq!(
        c.app.launch_detail().map(|s| s.group.clone()).as_ref(),
        Some(&names[1])
    );
    c.keys(&[ch('q')]);
    assert_eq!(
        c.app.mode,
        Mode::Normal,
        "q closes the detail, not the console"
    );
    assert!(!c.app.quit);
    // e on the board: the selected group's QR scans, not the KPI row's form
    c.keys(&[ch('e')]);
    match &c.app.mode {
        Mode::KpiForm(f) => {
            assert_eq!(f.group, names[1]);
            assert_eq!(f.metric(), shequn::domain::kpi::Metric::QrScans);
        }
        m => panic!("{m:?}"),
    }
    c.keys(&[key(KeyCode::Esc)]);
    // back on the KPI table, Enter is the KPI details again
    c.keys(&[ch('l'), ch('j'), key(KeyCode::Enter)]);
    assert_eq!(c.app.mode, Mode::Detail);
}

#[test]
fn the_board_scrolls_when_many_groups_are_in_launch() {
    let mut c = console(Lang::En);
    let now = c.app.now;
    for i in 0..6 {
        let input = shequn::app::launch::LaunchInput {
            name: format!("Cohort {i}"),
            kind: "知识型".into(),
            platform: "wecom",
            positioning: None,
            start: "2026-03-02".parse().unwrap(),
        };
        let answer = handlers::launch::launch(&mut c.store, &c.env, now, &input);
        assert!(matches!(answer, Action::Saved(Ok(_))), "{answer:?}");
    }
    c.reload();
    c.keys(&[ch('l')]);
    let page = c.app.board_page();
    assert_eq!(page, 4, "80×24 shows four groups");
    assert_eq!(c.app.launch.board.rows.len(), 8);
    c.keys(&[ch('G')]);
    assert_eq!(c.app.launch.board.selected, 7);
    assert_eq!(c.app.launch.board.view_offset(page), 4);
    c.keys(&[ch('g')]);
    assert_eq!(c.app.launch.board.view_offset(page), 0);
    // the filter narrows the board
    c.keys(&[ch('/')]);
    for x in "cohort 3".chars() {
        c.app.on_key(ch(x));
    }
    c.keys(&[key(KeyCode::Enter)]);
    assert_eq!(c.app.launch.board.count(), 1);
    assert_eq!(c.selected_group().as_deref(), Some("Cohort 3"));
}

#[test]
fn a_kit_item_is_done_and_undone_from_the_detail_and_its_text_copied_filled() {
    let mut c = console(Lang::Zh);
    c.keys(&[ch('n')]);
    c.typed("职场穿搭研习社");
    c.keys(&[key(KeyCode::Tab)]);
    c.typed("兴趣");
    c.keys(&[key(KeyCode::Tab), key(KeyCode::Tab)]);
    c.typed("为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣");
    let fx = c.keys(&[key(KeyCode::Enter)]);
    c.run(fx);
    assert_eq!(c.selected_group().as_deref(), Some("职场穿搭研习社"));
    c.keys(&[key(KeyCode::Enter)]);
    assert_eq!(c.app.mode, Mode::LaunchDetail);
    let kit = |c: &Console| c.app.launch_detail().unwrap().kit.clone();
    assert_eq!(kit(&c)[0].item, "rules");
    // Space: done, through the store (the flash says the progress); again: undone
    let fx = c.keys(&[ch(' ')]);
    assert!(matches!(fx.as_slice(), [Effect::LaunchKit(k)] if k.item == "rules" && k.done));
    c.run(fx);
    assert_eq!(c.app.mode, Mode::LaunchDetail, "the detail stays open");
    assert_eq!(kit(&c)[0].state, "done");
    assert_eq!(kit(&c)[0].done_by.as_deref(), Some("li.na"));
    assert_eq!(c.app.launch_detail().unwrap().kit_done, 1);
    assert!(c.app.flash.as_ref().unwrap().text.contains("物料 1/7"));
    let fx = c.keys(&[ch(' ')]);
    c.run(fx);
    assert_eq!(kit(&c)[0].state, "todo");
    assert_eq!(c.app.launch_detail().unwrap().kit_done, 0);
    // y on the welcome: its text with the group and the positioning filled in
    c.keys(&[ch('j')]);
    assert_eq!(kit(&c)[c.app.launch.kit_cursor].item, "welcome");
    let fx = c.keys(&[ch('y')]);
    let copied = c.run(fx);
    assert_eq!(copied.len(), 1);
    assert!(copied[0].contains("职场穿搭研习社"), "{}", copied[0]);
    assert!(!copied[0].contains('{'), "{}", copied[0]);
    // the poster has no text: said, nothing copied
    while kit(&c)[c.app.launch.kit_cursor].item != "poster" {
        c.keys(&[ch('j')]);
    }
    assert!(c.keys(&[ch('y')]).is_empty());
    assert!(c.app.flash.as_ref().unwrap().error);
    // the QR code of a personal-WeChat group: up for 7 days, its renewal reminded
    c.keys(&[ch('G')]);
    let last = kit(&c).len() - 1;
    assert_eq!(c.app.launch.kit_cursor, last);
    assert_eq!(kit(&c)[last].item, "qr");
    let fx = c.keys(&[ch(' ')]);
    c.run(fx);
    assert_eq!(kit(&c)[last].state, "done");
    assert_eq!(kit(&c)[last].expires_on.as_deref(), Some("2026-03-09"));
    assert_eq!(
        c.count(
            "SELECT count(*) FROM reminders r JOIN groups g ON g.id = r.group_id
             WHERE r.kind = 'qr_renew' AND r.state = 'pending' AND g.name = '职场穿搭研习社'"
        ),
        1,
        "one renewal reminder"
    );
}
