//! The console's model: `App` (all state the screen shows), `Action` (everything that
//! can happen) and `update()`, which changes state and returns `Effect`s for the loop
//! to perform. `update` does no I/O, so the whole console is tested without a terminal
//! or a database.

pub mod content;
pub mod keymap;
pub mod kpi;
pub mod launch;
pub mod members;
pub mod reminders;
pub mod risk;
pub mod table;
pub mod today;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::clock::local_day;
use crate::domain::roles::{Access, Perm};
use crate::domain::rules::Rules;
use crate::domain::sop::SopChange;
use crate::i18n::{Lang, Texts};
use crate::store::changes::Topics;
use crate::store::kpi::{GroupKpi, KpiBoard};
use crate::store::presence::Online;
use crate::store::views::{ContentRow, MemberRow, ReminderRow, SopRow};
use keymap::{Key, Keymap};
pub use members::MembersState;
pub use reminders::{Jump, RemindChange, RemindLine, RemindState, RemindVerb, Toast};
use table::{Table, TableCmd};
pub use today::{ScriptEditor, SopState, TodayData};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Today,
    Members,
    Content,
    Kpi,
    Reminders,
    Risk,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Today,
        Tab::Members,
        Tab::Content,
        Tab::Kpi,
        Tab::Reminders,
        Tab::Risk,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable word: keymap section, presence, palette command.
    pub fn word(self) -> &'static str {
        match self {
            Tab::Today => "today",
            Tab::Members => "members",
            Tab::Content => "content",
            Tab::Kpi => "kpi",
            Tab::Reminders => "reminders",
            Tab::Risk => "risk",
        }
    }

    pub fn label(self, t: &Texts) -> &str {
        match self {
            Tab::Today => &t.tabs.today,
            Tab::Members => &t.tabs.members,
            Tab::Content => &t.tabs.content,
            Tab::Kpi => &t.tabs.kpi,
            Tab::Reminders => &t.tabs.reminders,
            Tab::Risk => &t.tabs.risk,
        }
    }

    /// What the tab shows, by change topic: a change to one of these makes it stale.
    /// (Settings change thresholds and lists every tab judges by.)
    pub fn topics(self) -> Topics {
        if self == Tab::Risk {
            // incidents, their actions and the week's counts move only with `risk`
            // (an import that opens incidents, an action, a sanction); the team's lists
            // do not change an incident already opened
            return Topics::RISK;
        }
        Topics::GROUPS
            | Topics::SETTINGS
            | match self {
                // scheduled posts show on Today; the assign picker lists operators
                Tab::Today => Topics::SOP | Topics::CONTENT | Topics::OPERATORS,
                Tab::Members => Topics::MEMBERS,
                Tab::Content => Topics::CONTENT,
                Tab::Kpi => Topics::KPI,
                Tab::Reminders => Topics::REMINDERS,
                Tab::Risk => Topics::RISK,
            }
    }

    fn step(self, d: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + d).rem_euclid(n) as usize]
    }
}

/// Every action the keymap can name, in the order help lists them.
pub const ACTIONS: &[&str] = &[
    "quit",
    "help",
    "palette",
    "next_tab",
    "prev_tab",
    "tab_today",
    "tab_members",
    "tab_content",
    "tab_kpi",
    "tab_reminders",
    "tab_risk",
    "down",
    "up",
    "top",
    "bottom",
    "page_down",
    "page_up",
    "search",
    "open",
    "back",
    // the Today tab
    "toggle_done",
    "skip",
    "note",
    "assign",
    "claim",
    "walk",
    "copy",
    "prev_day",
    "next_day",
    "go_today",
    "calendar",
    "mine",
    "undone",
    "group_filter",
    "panel",
    // modes
    "left",
    "right",
    "retime",
    "edit_script",
    "apply_template",
    "save",
    // the Members tab
    "tier_filter",
    "tag_filter",
    "silent_filter",
    "invert",
    "tag",
    "points",
    "redeem",
    "sanction",
    "identity",
    // the KPIs tab
    "kpi_days",
    "kpi_metric",
    "kpi_enter",
    "kpi_launch",
    // the launch board (issue 16): a new group, and the kit in a group's launch detail
    "launch_new",
    "kit_done",
    "kit_copy",
    "new_content",
    "edit_content",
    "submit_content",
    "review_content",
    "publish_content",
    "unschedule_content",
    "results_content",
    "week_view",
    "weekly_review",
    "prev_week",
    "next_week",
    "this_week",
    "mix_panel",
    // the Reminders tab (add_reminder also from the palette, on any tab)
    "dismiss",
    "snooze",
    "add_reminder",
    "details",
    "go_to",
    // the Risk tab
    "risk_review",
    "risk_warn",
    "risk_mute",
    "risk_remove",
    "risk_close",
    "risk_dismiss",
    "add_word",
    "risk_panel",
    "risk_details",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    Palette {
        input: String,
        selected: usize,
    },
    Search {
        input: String,
    },
    Detail,
    /// A line of text for an item: a skip reason or a note.
    Prompt {
        kind: PromptKind,
        input: String,
        id: i64,
        version: i64,
    },
    /// Stepping through the undone items, one script at a time.
    Walk {
        ids: Vec<i64>,
        pos: usize,
    },
    /// A month calendar with a date cursor.
    Calendar {
        cursor: NaiveDate,
    },
    /// Choosing one of a list: an operator to assign, a group to filter by.
    Picker {
        kind: PickerKind,
        items: Vec<String>,
        input: String,
        selected: usize,
    },
    /// Choosing several groups to put a template on (space marks, Enter applies).
    MultiPick {
        template: String,
        items: Vec<String>,
        marked: Vec<usize>,
        selected: usize,
    },
    /// Editing a group's script for an item (the text lives in `App::editor`).
    Edit,
    /// Entering a value only WeChat sees, for one group and day (KPIs tab).
    KpiForm(Box<kpi::KpiForm>),
    /// The content item form (`App::content_state.form`).
    ContentForm,
    /// The three-check review of a content item.
    ReviewForm,
    /// Results of a published content item.
    ResultsForm,
    /// The weekly content review (a popup over the Content tab).
    WeeklyReview,
    /// What a word would have flagged, before it is added to a list (Risk tab).
    WordPreview,
    /// Launching a group (`App::launch.form`, KPIs tab).
    LaunchForm,
    /// A group's launch detail: phases, next step, the kit (`App::launch.detail`).
    LaunchDetail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Skip,
    Note,
    /// A new time for this group's item, from today on.
    Retime,
    /// Members: silent for more than N days.
    SilentDays,
    /// Members: a tag to add (`-tag` removes it).
    Tag,
    MemberNote,
    /// Members: `+50 reason` or `-20 reason`.
    Points,
    /// Members: the reason for a sanction in the selected row's group.
    SanctionReason {
        level: &'static str,
        group: i64,
    },
    /// Reminders: "10m check the offer's results" (a time, then what).
    AddReminder,
    /// Risk: the reason for an action on an incident.
    RiskReason {
        action: crate::domain::risk::Action,
    },
    /// Risk: a false positive's exception context (empty: none).
    RiskExcept,
    /// Risk: a word to add to a list (previewed before it is saved).
    NewWord {
        category: crate::domain::keywords::Category,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    Assign {
        id: i64,
        version: i64,
    },
    Group,
    Template,
    Tier,
    MemberGroup,
    Tag,
    SanctionLevel {
        id: i64,
    },
    Identity {
        id: i64,
        version: i64,
    },
    /// Content: the group the week view and the mix show.
    ContentGroup,
    /// Reminders: for how long.
    Snooze {
        id: i64,
        version: i64,
    },
    /// A bundle of reminders (which: `RemindState::snoozing`).
    SnoozeAll,
    /// Risk: the list a new word goes on.
    WordCategory,
}

/// A message on the bottom line until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    Help,
    Palette,
    NextTab,
    PrevTab,
    GoTab(Tab),
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Search,
    Open,
    /// The selected row's details, where Enter does something else (a reminder's
    /// Enter goes to what it is about).
    Details,
    /// Reminders: go to what the selected reminder is about (a bundle: list its
    /// reminders).
    GoTo,
    Back,
    /// Text typed into the palette or the search line.
    Input(char),
    Backspace,
    Submit,
    Loaded(Loaded),
    /// Colleagues online and the number of reminders due for me.
    Presence {
        others: Vec<Online>,
        due: i64,
    },
    /// Data changed: another process's commit or this console's own write.
    Changed(Changed),
    /// The team's settings moved (a colleague's `settings set`, this console's own
    /// write): the rules and keyword lists to show and check with from now on. Comes
    /// just before the `Changed` that reloads the tabs.
    Settings {
        rules: Box<Rules>,
        keywords: std::sync::Arc<crate::domain::keywords::Keywords>,
    },
    Tick(DateTime<Utc>),
    Resize {
        width: u16,
        height: u16,
    },
    Error(String),
    /// A tab's data could not be read: the tab stops saying "loading" (it shows what it
    /// had, or nothing) and the reason is flashed.
    LoadFailed(Tab, String),
    /// A write finished: what happened, or why it was refused.
    Saved(Result<String, String>),
    // the Today tab
    ToggleDone,
    Skip,
    Note,
    Assign,
    Claim,
    Walk,
    Copy,
    PrevDay,
    NextDay,
    GoToday,
    Calendar,
    ToggleMine,
    ToggleUndone,
    GroupFilter,
    TogglePanel,
    Left,
    Right,
    Retime,
    EditScript,
    ApplyTemplate,
    Save,
    // the Members tab
    TierFilter,
    TagFilter,
    SilentFilter,
    Invert,
    Tag,
    Points,
    Redeem,
    Sanction,
    Identity,
    // the KPIs tab
    /// Sparklines over 30 / 90 days.
    KpiDays,
    /// The next banded metric in the sparklines.
    KpiMetric,
    /// Open the form for a value only WeChat sees.
    KpiEnter,
    /// The launch board instead of the KPI table (and back).
    KpiLaunch,
    /// Open the form to launch a group.
    LaunchNew,
    // the Content tab
    NewContent,
    EditContent,
    SubmitContent,
    ReviewContent,
    PublishContent,
    UnscheduleContent,
    ResultsContent,
    WeekView,
    WeeklyReview,
    /// A content save was refused because a colleague saved first.
    ContentConflict {
        id: i64,
        by: String,
        at: String,
        rescued: Option<String>,
    },
    // reminders
    Dismiss,
    Snooze,
    AddReminder,
    /// The reminder engine planned or fired something; `fired` is news for a toast.
    Reminded(Vec<ReminderRow>),
    /// A toast's time is up (the number of the toast it was for).
    ToastExpired(u64),
    /// A change to a reminder finished: what was done to which, or why not.
    RemindSaved(Result<(RemindVerb, Box<ReminderRow>), String>),
    /// A colleague restored the database (`shequn restore`): everything reloads, and
    /// the status line says so.
    Restored(Box<Restored>),
    /// The database file was replaced under the console: it ends, saying this.
    FileReplaced(String),
    // the Risk tab
    /// A step on the selected incident (review, or an action after its reason).
    RiskStep(crate::store::risk::act::Step),
    /// Add a word to a list, after its preview.
    AddWord,
}

/// A restore seen by the store thread: who ran it, and who the operator is in the
/// restored database.
#[derive(Debug, Clone)]
pub struct Restored {
    pub by: String,
    pub access: Access,
}

/// What a change touched (from the store's change signals).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changed {
    pub topics: Topics,
    /// With `Topics::MEMBERS`: just these members changed (their rows can be patched),
    /// or `None`: many did (reload the list).
    pub members: Option<Vec<i64>>,
}

impl Changed {
    /// Everything may have changed (a writer that bypassed shequn).
    pub fn everything() -> Changed {
        Changed {
            topics: Topics::DATA,
            members: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Loaded {
    Today(Box<TodayData>),
    /// Per-day (items, done, missed) of a month, for the calendar.
    Calendar(NaiveDate, Vec<crate::store::views::DaySummary>),
    MemberDetail(
        Box<(
            crate::store::members::MemberDetail,
            Option<crate::domain::rfm::RfmScore>,
        )>,
    ),
    /// The member rows and their search index, built on the store thread: for a
    /// million members that takes a second the screen should not wait for.
    Members(
        Vec<MemberRow>,
        Option<std::sync::Arc<crate::search::SearchIndex>>,
    ),
    /// The current rows of a few members (every group they are in), to patch the list.
    MemberRows(Vec<MemberRow>),
    Content(Box<content::ContentData>),
    /// One content item, for the form it was asked for.
    ContentItem(Box<crate::store::content::ContentItem>),
    Kpi(Box<KpiBoard>),
    Reminders(Vec<ReminderRow>),
    Risk(Box<crate::store::risk::Board>),
    /// What a proposed word would have flagged.
    WordPreview(Box<risk::WordPreview>),
}

/// What the loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load a tab's data from the store (for this day, for Today).
    Load(Tab, NaiveDate),
    /// Load a tab's data because the clock moved (midnight, an item's expiry): a load
    /// like `Load`, told apart in the log.
    ClockLoad(Tab, NaiveDate),
    /// Load a tab's data when the store thread has nothing else to do (a tab that is
    /// slow to read at team scale, before it is first shown).
    Preload(Tab, NaiveDate),
    /// Tell the store thread which tab is on screen (presence).
    ShowingTab(Tab),
    /// Change one SOP item, as seen at `version`.
    Sop {
        id: i64,
        version: i64,
        change: SopChange,
    },
    /// Load a month's summary for the calendar.
    LoadCalendar(NaiveDate),
    /// A group's own time or text for an item (from today on).
    Override {
        group_id: i64,
        item_id: i64,
        slot: Option<String>,
        script: Option<String>,
    },
    /// Put a template on groups.
    ApplyTemplate {
        template: String,
        groups: Vec<String>,
    },
    /// Change a member (`version` guards note and identity against a stale edit).
    Member {
        id: i64,
        version: Option<i64>,
        change: crate::store::members::MemberChange,
    },
    /// Load one member's detail.
    LoadMember(i64),
    /// Load the rows of these members (a colleague changed them).
    LoadMemberRows(Vec<i64>),
    /// Load one content item (for its form).
    LoadContent(i64),
    /// Create (no id) or save a content item, as seen at `version`.
    ContentSave {
        id: Option<i64>,
        version: Option<i64>,
        input: Box<crate::store::content::ContentInput>,
    },
    /// Move a content item along its pipeline.
    ContentStep {
        id: i64,
        version: Option<i64>,
        step: crate::store::content::ContentStep,
    },
    /// Put text on the operator's own clipboard (OSC 52: works over SSH).
    Copy(String),
    /// Store a value only WeChat sees (and recompute, judge alerts).
    KpiEntry {
        group_id: i64,
        day: NaiveDate,
        metric: crate::domain::kpi::Metric,
        value: kpi::Value,
        /// What to say once it is saved.
        saved: String,
    },
    /// Dismiss, snooze or add a reminder.
    Remind(RemindChange),
    /// Launch a group (`shequn group launch`).
    Launch(Box<launch::LaunchInput>),
    /// A kit item of a group in launch done or not (`shequn group kit NAME done|undo
    /// ITEM`; the QR code done is `kit NAME qr`).
    LaunchKit(Box<launch::KitChange>),
    /// Send `ToastExpired(seq)` after this long.
    ToastTimer {
        seq: u64,
        after: std::time::Duration,
    },
    /// Ring the terminal bell (`[reminders] bell = true`).
    Bell,
    /// A step on an incident as seen at `version`; a false positive may add an
    /// exception to its word (`except`: the context).
    Risk {
        id: i64,
        version: i64,
        step: crate::store::risk::act::Step,
        reason: String,
        except: Option<String>,
    },
    /// Run the dry-run of a word on a list over the history.
    PreviewWord {
        category: crate::domain::keywords::Category,
        word: String,
    },
    /// Add the word to the team's list.
    AddWord {
        category: crate::domain::keywords::Category,
        word: String,
    },
    Quit,
}

/// Rows of the terminal not available to a table: tab bar, status bar, hints, the
/// table's border and header.
pub const CHROME_ROWS: u16 = 6;
/// Below this the console shows "terminal too small".
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Days of KPI history the KPIs tab shows.
pub const KPI_DAYS: u32 = 30;

pub struct App {
    pub lang: Lang,
    pub texts: &'static Texts,
    pub keymap: Keymap,
    pub rules: Rules,
    pub tab: Tab,
    pub mode: Mode,
    /// The Today tab's list (after its filters).
    pub today: Table<SopRow>,
    /// The day the Today tab shows.
    pub today_day: NaiveDate,
    pub sop: SopState,
    /// The script editor, while `Mode::Edit`.
    pub editor: Option<ScriptEditor>,
    /// The Members tab's search, filters and detail.
    pub msearch: MembersState,
    pub members: Table<MemberRow>,
    pub content: Table<ContentRow>,
    /// The Content tab's views, forms and what they were loaded with.
    pub content_state: content::ContentState,
    pub kpi: Table<GroupKpi>,
    /// The KPIs tab's metric, days and alerts.
    pub kpi_view: kpi::KpiView,
    /// The launch board, its form and a group's launch detail.
    pub launch: launch::LaunchState,
    /// The Reminders tab's lines: a reminder, or a bundle of one kind and day.
    pub reminders: Table<RemindLine>,
    /// The reminders behind those lines and which bundles are open.
    pub remind: RemindState,
    /// The Risk tab's incident queue.
    pub risk: Table<crate::store::risk::IncidentRow>,
    /// The Risk tab's side panel, records and the word being added.
    pub risk_state: risk::RiskState,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub db_label: String,
    /// ` --db PATH` when the database is not the default one: the first-run steps
    /// give commands as they must be typed.
    pub db_flag: String,
    pub operator: String,
    /// Who the operator is to the database (role, `--readonly`), from the store at
    /// start: writing keys it does not allow answer in the status line.
    pub access: Access,
    pub others: Vec<Online>,
    pub due: i64,
    pub flash: Option<Flash>,
    /// Reminders that just fired, over the top right corner; it never takes the keys.
    pub toast: Option<Toast>,
    toast_seq: u64,
    /// Where Enter on a reminder is going, until that tab has its rows.
    pub jump: Option<Jump>,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Said on the normal screen when the console ends (the database file was replaced).
    pub farewell: Option<String>,
    /// `NO_COLOR`: draw without colours (the ▶ marker still shows the selection).
    pub no_color: bool,
    /// How far the open popup (help, a detail, the weekly review) is scrolled; back to
    /// the top whenever another mode opens.
    pub popup_scroll: u16,
    /// The furthest the open popup can scroll, as it was last drawn: drawing knows how
    /// many lines it has, and `popup_scroll` stops there so `k` answers at once after
    /// too many `j`.
    pub popup_max: std::cell::Cell<u16>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("tab", &self.tab)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// A palette command: its word and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub word: &'static str,
    pub action: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        word: "today",
        action: "tab_today",
    },
    Command {
        word: "members",
        action: "tab_members",
    },
    Command {
        word: "content",
        action: "tab_content",
    },
    Command {
        word: "kpi",
        action: "tab_kpi",
    },
    Command {
        word: "reminders",
        action: "tab_reminders",
    },
    Command {
        word: "risk",
        action: "tab_risk",
    },
    Command {
        word: "apply",
        action: "apply_template",
    },
    Command {
        word: "remind",
        action: "add_reminder",
    },
    Command {
        word: "help",
        action: "help",
    },
    Command {
        word: "quit",
        action: "quit",
    },
];

impl App {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lang: Lang,
        keymap: Keymap,
        rules: Rules,
        now: DateTime<Utc>,
        tz: Tz,
        db_label: String,
        operator: String,
    ) -> App {
        App {
            lang,
            texts: lang.texts(),
            keymap,
            rules,
            tab: Tab::Today,
            mode: Mode::Normal,
            today: Table::default(),
            today_day: local_day(now, tz),
            sop: SopState::default(),
            editor: None,
            msearch: MembersState::default(),
            members: Table::default(),
            content: Table::default(),
            content_state: content::ContentState::default(),
            kpi: Table::default(),
            kpi_view: kpi::KpiView::default(),
            launch: launch::LaunchState::default(),
            reminders: Table::default(),
            remind: RemindState::default(),
            risk: Table::default(),
            risk_state: risk::RiskState::default(),
            now,
            tz,
            db_label,
            db_flag: String::new(),
            access: Access::owner(&operator),
            operator,
            others: Vec::new(),
            due: 0,
            flash: None,
            toast: None,
            toast_seq: 0,
            jump: None,
            width: MIN_WIDTH,
            height: MIN_HEIGHT,
            quit: false,
            farewell: None,
            no_color: false,
            popup_scroll: 0,
            popup_max: std::cell::Cell::new(u16::MAX),
        }
    }

    /// The effects to run when the console starts.
    ///
    /// The member list is loaded too, right after the first tab, on the store thread:
    /// at 100,000 members reading it takes a few hundred milliseconds that the operator
    /// should not wait for when they first open the tab. From then on it is kept
    /// current by patches (a few members) or reloaded when shown (after an import).
    pub fn start(&mut self) -> Vec<Effect> {
        if self.access.unknown() {
            // someone the team has not added: read-only, and told who adds them how
            self.flash = Some(Flash {
                text: self.texts.not_operator(
                    &self.access.login,
                    &self.access.owners,
                    &self.access.add_command(),
                ),
                error: true,
            });
        }
        let mut fx = vec![Effect::ShowingTab(self.tab), self.load(self.tab)];
        if self.tab != Tab::Members {
            fx.push(Effect::Preload(Tab::Members, self.today_day));
        }
        fx
    }

    fn load(&self, tab: Tab) -> Effect {
        match tab {
            // the Content tab's day is the week its schedule shows
            Tab::Content => Effect::Load(tab, self.content_monday()),
            _ => Effect::Load(tab, self.today_day),
        }
    }

    /// Rows a table can show at the current size.
    pub fn page_rows(&self) -> usize {
        usize::from(self.height.saturating_sub(CHROME_ROWS)).max(1)
    }

    /// The team's calendar day now (the Today tab may be showing another).
    pub fn real_today(&self) -> NaiveDate {
        local_day(self.now, self.tz)
    }

    /// The commands matching the palette's first word (what follows is the command's
    /// own text: `remind 2m 喝水`).
    pub fn palette_matches(&self, input: &str) -> Vec<Command> {
        let input = input.trim_start();
        let word = input.split_whitespace().next().unwrap_or("");
        palette_matches(self.texts, word)
    }

    /// A key press: text entry in the palette and the search line, else the keymap.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        // Esc followed quickly by a key arrives as Alt+key (the terminal cannot tell
        // them apart); nothing here uses Alt, so take it as the two keys it was.
        if key.modifiers.contains(KeyModifiers::ALT)
            && let KeyCode::Char(c) = key.code
        {
            let mut fx = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            if !self.quit {
                fx.extend(self.on_key(KeyEvent::new(
                    KeyCode::Char(c),
                    key.modifiers - KeyModifiers::ALT,
                )));
            }
            return fx;
        }
        match self.mode {
            Mode::Edit => return self.editor_key(key),
            Mode::MultiPick { .. } => return self.multipick_key(key),
            Mode::KpiForm(_) => return self.kpi_form_key(key),
            Mode::WordPreview => {
                let action = Key::from_event(&key)
                    .and_then(|k| {
                        self.keymap
                            .action("editor", k)
                            .or_else(|| self.keymap.action(self.tab.word(), k))
                    })
                    .and_then(action_named);
                return self.preview_key(action);
            }
            Mode::LaunchForm => return self.launch_form_key(key),
            Mode::ContentForm | Mode::ReviewForm | Mode::ResultsForm => {
                let fx = match self.mode {
                    Mode::ContentForm => self.content_form_key(key),
                    Mode::ReviewForm => self.review_form_key(key),
                    _ => self.results_form_key(key),
                };
                // the caret follows the focus, whatever the key did
                self.content_state.restyle();
                return fx;
            }
            _ => {}
        }
        let typing = matches!(
            self.mode,
            Mode::Palette { .. } | Mode::Search { .. } | Mode::Prompt { .. } | Mode::Picker { .. }
        );
        if typing {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            let action = match key.code {
                KeyCode::Esc => Some(Action::Back),
                KeyCode::Enter => Some(Action::Submit),
                KeyCode::Backspace => Some(Action::Backspace),
                KeyCode::Down => Some(Action::Down),
                KeyCode::Up => Some(Action::Up),
                KeyCode::Char('c') if ctrl => Some(Action::Back),
                KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
                _ => None,
            };
            return action.map(|a| self.update(a)).unwrap_or_default();
        }
        if self.mode == Mode::Normal {
            // a message stays until the next key; so does a toast while nothing is
            // being typed (a key in an editor or a prompt leaves it to its timer)
            self.flash = None;
            self.toast = None;
        }
        let Some(k) = Key::from_event(&key) else {
            return Vec::new();
        };
        if self.mode == Mode::Help {
            // help takes the keys: it scrolls and closes, nothing moves underneath it
            let action = self
                .keymap
                .action(self.tab.word(), k)
                .and_then(action_named);
            return match action {
                Some(
                    a @ (Action::Down
                    | Action::Up
                    | Action::PageDown
                    | Action::PageUp
                    | Action::Top
                    | Action::Bottom
                    | Action::Back
                    | Action::Help
                    | Action::Quit),
                ) => self.update(a),
                _ => Vec::new(),
            };
        }
        // A modal view's own keys first (walkthrough, calendar), then the tab's, then
        // the global ones.
        let section = match self.mode {
            Mode::Walk { .. } => "walk",
            Mode::Calendar { .. } => "calendar",
            Mode::LaunchDetail => "launch",
            _ => self.tab.word(),
        };
        match self.keymap.action(section, k).and_then(action_named) {
            Some(a) => self.update(a),
            None => Vec::new(),
        }
    }

    /// Pasted text goes to whatever text line is open.
    pub fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if let (Mode::Edit, Some(ed)) = (&self.mode, &mut self.editor) {
            // newlines are kept in the editor (a script has several lines)
            ed.textarea.insert_str(text.replace("\r\n", "\n"));
            return Vec::new();
        }
        if self.mode == Mode::ContentForm {
            self.content_form_paste(text);
            return Vec::new();
        }
        if self.mode == Mode::LaunchForm {
            self.launch_form_paste(text);
            return Vec::new();
        }
        let mut fx = Vec::new();
        for c in text.chars().filter(|c| !c.is_control()) {
            fx.extend(self.update(Action::Input(c)));
        }
        fx
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let before = std::mem::discriminant(&self.mode);
        let mut fx = self.update_inner(action);
        self.walk_sync();
        if std::mem::discriminant(&self.mode) != before {
            // another popup (or none): it starts at its top
            self.popup_scroll = 0;
            self.popup_max.set(u16::MAX);
        }
        // The Members tab shows the selected member's detail: ask for it once per
        // selection (not once per keystroke on the same row).
        if self.tab == Tab::Members
            && matches!(self.mode, Mode::Normal | Mode::Search { .. } | Mode::Detail)
            && let Some(id) = self.wanted_detail()
            && self.msearch.requested != Some(id)
        {
            self.msearch.requested = Some(id);
            fx.push(Effect::LoadMember(id));
        }
        fx
    }

    fn update_inner(&mut self, action: Action) -> Vec<Effect> {
        // Before any prompt or form opens: a write the operator may not do is answered
        // in the status line (the store refuses it too, should the screen be wrong).
        if let Some(perm) = self.needs(&action)
            && !self.access.may(perm)
        {
            self.flash = Some(Flash {
                text: self.refusal(perm),
                error: true,
            });
            return Vec::new();
        }
        // the launch board and a group's launch detail have keys of their own
        if let Some(fx) = self.launch_intercept(&action) {
            return fx;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help => {
                self.mode = if self.mode == Mode::Help {
                    Mode::Normal
                } else {
                    Mode::Help
                };
            }
            Action::Palette => {
                self.mode = Mode::Palette {
                    input: String::new(),
                    selected: 0,
                };
            }
            Action::NextTab => return self.go_tab(self.tab.step(1)),
            Action::PrevTab => return self.go_tab(self.tab.step(-1)),
            Action::GoTab(t) => return self.go_tab(t),
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom
                if self.scrolls() =>
            {
                let page = self.page_rows() as i32;
                let to = match action {
                    Action::Down => i32::from(self.popup_scroll) + 1,
                    Action::Up => i32::from(self.popup_scroll) - 1,
                    Action::PageDown => i32::from(self.popup_scroll) + page,
                    Action::PageUp => i32::from(self.popup_scroll) - page,
                    Action::Top => 0,
                    _ => i32::from(u16::MAX),
                };
                let max = i32::from(self.popup_max.get());
                self.popup_scroll = u16::try_from(to.clamp(0, max)).unwrap_or(0);
            }
            Action::Down | Action::Up => {
                let d = if matches!(action, Action::Down) {
                    1
                } else {
                    -1
                };
                match &mut self.mode {
                    Mode::Palette { input, selected } => {
                        let input = input.split_whitespace().next().unwrap_or("");
                        let n = palette_matches(self.texts, input).len().max(1);
                        *selected = selected.saturating_add_signed(d).min(n - 1);
                    }
                    Mode::Picker {
                        items,
                        input,
                        selected,
                        ..
                    } => {
                        let n = picker_matches(items, input).len().max(1);
                        *selected = selected.saturating_add_signed(d).min(n - 1);
                    }
                    Mode::Walk { .. } | Mode::Calendar { .. } => return self.today_action(action),
                    _ => self.with_table(TableCmd::Move(d)),
                }
            }
            Action::PageDown => self.with_table(TableCmd::Move(self.page_rows() as isize)),
            Action::PageUp => self.with_table(TableCmd::Move(-(self.page_rows() as isize))),
            Action::Top => self.with_table(TableCmd::Top),
            Action::Bottom => self.with_table(TableCmd::Bottom),
            Action::Search => {
                let input = self.filter().to_string();
                self.mode = Mode::Search { input };
            }
            Action::Open => {
                if matches!(self.mode, Mode::Calendar { .. }) {
                    return self.today_action(Action::Open);
                }
                // on wide screens the Members pane beside the list is the detail
                if self.tab == Tab::Members && self.members_pane() {
                    return Vec::new();
                }
                if self.has_selection() {
                    self.mode = Mode::Detail;
                    // the content popup shows the whole item: ask the store for it
                    if self.tab == Tab::Content
                        && let Some(r) = self.content.current()
                    {
                        let id = r.id;
                        self.content_state.pending = Some((id, content::Purpose::Detail));
                        return vec![Effect::LoadContent(id)];
                    }
                }
            }
            Action::Details => {
                if self.has_selection() {
                    self.mode = Mode::Detail;
                }
            }
            Action::GoTo => {
                // Enter on a bundle of reminders lists them (again: folds them)
                if self.toggle_bundle() {
                    return Vec::new();
                }
                // a single reminder opens what it is about, on its tab; an ad-hoc one,
                // about nothing, shows its details
                if let Some(fx) = self.reminder_jump() {
                    return fx;
                }
                if self.has_selection() {
                    self.mode = Mode::Detail;
                }
            }
            Action::Back => match self.mode {
                Mode::Normal => {
                    if !self.filter().is_empty() {
                        self.with_table(TableCmd::Filter(String::new()));
                    }
                    self.flash = None;
                }
                Mode::Prompt { .. } | Mode::Picker { .. } => {
                    self.mode = Mode::Normal;
                    // a prompt opened from the walkthrough goes back to it
                    return self.resume_walk(false);
                }
                // Esc in the search line keeps what was typed as the filter
                _ => self.mode = Mode::Normal,
            },
            Action::ToggleDone
            | Action::Skip
            | Action::Note
            | Action::Assign
            | Action::Claim
            | Action::Walk
            | Action::Copy
            | Action::PrevDay
            | Action::NextDay
            | Action::GoToday
            | Action::Calendar
            | Action::ToggleMine
            | Action::ToggleUndone
            | Action::GroupFilter
            | Action::TogglePanel
            | Action::Left
            | Action::Right
            | Action::Retime
            | Action::EditScript => match self.tab {
                Tab::Today => return self.today_action(action),
                Tab::Members if matches!(action, Action::Note | Action::GroupFilter) => {
                    return self.members_action(action);
                }
                Tab::Risk if matches!(action, Action::TogglePanel) => {
                    return self.risk_action(action);
                }
                Tab::Content
                    if matches!(
                        action,
                        Action::PrevDay
                            | Action::NextDay
                            | Action::GoToday
                            | Action::TogglePanel
                            | Action::GroupFilter
                    ) =>
                {
                    return self.content_action(action);
                }
                _ => {}
            },
            Action::NewContent
            | Action::EditContent
            | Action::SubmitContent
            | Action::ReviewContent
            | Action::PublishContent
            | Action::UnscheduleContent
            | Action::ResultsContent
            | Action::WeekView
            | Action::WeeklyReview => {
                if self.tab == Tab::Content {
                    return self.content_action(action);
                }
            }
            Action::ContentConflict {
                id,
                by,
                at,
                rescued,
            } => {
                self.content_conflict(id, by, at, rescued);
                // their version, so the next save knowingly replaces it
                return vec![Effect::LoadContent(id)];
            }
            Action::TierFilter
            | Action::TagFilter
            | Action::SilentFilter
            | Action::Invert
            | Action::Tag
            | Action::Points
            | Action::Redeem
            | Action::Sanction
            | Action::Identity => {
                if self.tab == Tab::Members {
                    return self.members_action(action);
                }
            }
            Action::KpiDays
            | Action::KpiMetric
            | Action::KpiEnter
            | Action::KpiLaunch
            | Action::LaunchNew => {
                if self.tab == Tab::Kpi {
                    return self.kpi_action(action);
                }
            }
            Action::ApplyTemplate => {
                // from the palette, on any tab: the Today tab knows the templates
                let mut fx = Vec::new();
                if self.tab != Tab::Today {
                    fx = self.go_tab(Tab::Today);
                }
                fx.extend(self.today_action(Action::ApplyTemplate));
                return fx;
            }
            Action::Save => {}
            Action::Dismiss | Action::Snooze => {
                if self.tab == Tab::Reminders {
                    return self.reminders_action(action);
                }
            }
            Action::AddReminder => return self.reminders_action(action),
            Action::RiskStep(_) | Action::AddWord => {
                if self.tab == Tab::Risk {
                    return self.risk_action(action);
                }
            }
            Action::Reminded(fired) => return self.reminded(fired),
            Action::ToastExpired(seq) => {
                if self.toast.as_ref().is_some_and(|t| t.seq == seq) {
                    self.toast = None;
                }
            }
            Action::RemindSaved(result) => return self.remind_saved(result),
            Action::Saved(result) => {
                if self.mode == Mode::LaunchForm {
                    return self.launch_saved(result);
                }
                // the item form stays open on a refusal (nothing typed is lost) and
                // closes once its save went through
                if self.mode == Mode::ContentForm
                    && let Some(form) = &mut self.content_state.form
                {
                    match &result {
                        Ok(_) => {
                            self.content_state.form = None;
                            self.mode = Mode::Normal;
                        }
                        Err(e) => {
                            form.error = Some(e.clone());
                            self.content_state.select_new = None;
                            return Vec::new();
                        }
                    }
                }
                let refused = result.is_err();
                self.flash = Some(match result {
                    Ok(text) => Flash { text, error: false },
                    Err(text) => Flash { text, error: true },
                });
                // A write that went through is followed by `Changed` with the topics it
                // touched (the store thread reads them back), which reloads what it
                // changed. A refusal changed nothing, but it usually means the screen
                // was out of date (a colleague got there first): look again.
                if refused {
                    return vec![self.load(self.tab)];
                }
                return Vec::new();
            }
            Action::Input(c) => match &mut self.mode {
                Mode::Palette { input, selected } => {
                    input.push(c);
                    *selected = 0;
                }
                Mode::Search { input } => {
                    input.push(c);
                    let f = input.clone();
                    self.with_table(TableCmd::Filter(f));
                }
                Mode::Prompt { input, .. } => input.push(c),
                Mode::Picker {
                    input, selected, ..
                } => {
                    input.push(c);
                    *selected = 0;
                }
                _ => {}
            },
            Action::Backspace => match &mut self.mode {
                Mode::Palette { input, selected } => {
                    input.pop();
                    *selected = 0;
                }
                Mode::Search { input } => {
                    input.pop();
                    let f = input.clone();
                    self.with_table(TableCmd::Filter(f));
                }
                Mode::Prompt { input, .. } => {
                    input.pop();
                }
                Mode::Picker {
                    input, selected, ..
                } => {
                    input.pop();
                    *selected = 0;
                }
                _ => {}
            },
            Action::Submit => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Palette { input, selected } => {
                    // a command with what it is for: `:remind 2m 喝水`
                    if let Some((word, rest)) = input.trim().split_once(char::is_whitespace)
                        && let Some(cmd) = COMMANDS.iter().find(|c| c.word == word)
                        && cmd.action == "add_reminder"
                    {
                        if !self.access.may(Perm::RemindOwn) {
                            self.flash = Some(Flash {
                                text: self.refusal(Perm::RemindOwn),
                                error: true,
                            });
                            return Vec::new();
                        }
                        return self.reminder_prompt(rest.trim());
                    }
                    let matches = self.palette_matches(&input);
                    if let Some(cmd) = matches.get(selected).or(matches.first())
                        && let Some(a) = action_named(cmd.action)
                    {
                        return self.update(a);
                    }
                }
                Mode::Prompt {
                    kind,
                    input,
                    id,
                    version,
                } => {
                    match kind {
                        PromptKind::SilentDays
                        | PromptKind::Tag
                        | PromptKind::MemberNote
                        | PromptKind::Points
                        | PromptKind::SanctionReason { .. } => {
                            return self.member_prompt(kind, &input, id, version);
                        }
                        PromptKind::AddReminder => return self.reminder_prompt(&input),
                        PromptKind::RiskReason { .. }
                        | PromptKind::RiskExcept
                        | PromptKind::NewWord { .. } => {
                            return self.risk_prompt(kind, &input, id, version);
                        }
                        PromptKind::Skip | PromptKind::Note => {
                            let skip = kind == PromptKind::Skip;
                            let change = if skip {
                                SopChange::Skip { reason: input }
                            } else {
                                SopChange::Note { text: input }
                            };
                            let mut fx = vec![Effect::Sop {
                                id,
                                version,
                                change,
                            }];
                            // the walkthrough goes on: past a skipped item, on a noted one
                            fx.extend(self.resume_walk(skip));
                            return fx;
                        }
                        PromptKind::Retime => {
                            let Some(r) = self.sop.source.iter().find(|r| r.id == id) else {
                                return Vec::new();
                            };
                            let Some(item_id) = r.item_id else {
                                return Vec::new();
                            };
                            return vec![Effect::Override {
                                group_id: r.group_id,
                                item_id,
                                slot: Some(input.trim().to_string()),
                                script: None,
                            }];
                        }
                    }
                }
                Mode::Picker {
                    kind,
                    items,
                    input,
                    selected,
                } => {
                    let matches = picker_matches(&items, &input);
                    let Some(choice) = matches.get(selected).or(matches.first()) else {
                        return self.resume_walk(false);
                    };
                    return self.picked(kind, choice);
                }
                m @ (Mode::Walk { .. }
                | Mode::Calendar { .. }
                | Mode::MultiPick { .. }
                | Mode::Edit
                | Mode::KpiForm(_)
                | Mode::LaunchForm
                | Mode::LaunchDetail
                | Mode::ContentForm
                | Mode::ReviewForm
                | Mode::ResultsForm
                | Mode::WordPreview) => {
                    self.mode = m;
                }
                Mode::Search { .. }
                | Mode::Normal
                | Mode::Help
                | Mode::Detail
                | Mode::WeeklyReview => {}
            },
            Action::Loaded(l) => self.loaded(l),
            Action::Presence { others, due } => {
                self.others = others;
                self.due = due;
            }
            Action::Changed(changed) => return self.changed(changed),
            Action::Settings { rules, keywords } => {
                self.rules = *rules;
                self.content_state.keywords = Some(keywords);
            }
            Action::Tick(now) => {
                let was = self.real_today();
                let minute = self.now.timestamp() / 60 != now.timestamp() / 60;
                self.now = now;
                if minute {
                    // the "now" row follows the clock
                    self.today_clock();
                }
                let day = self.real_today();
                if day != was && self.today_day == was {
                    // Midnight passed while looking at today: follow the calendar.
                    self.today_day = day;
                    self.today.stale = true;
                    if self.tab == Tab::Today {
                        return vec![Effect::ClockLoad(Tab::Today, day)];
                    }
                } else if self.tab == Tab::Today && self.today_day == day && self.expiring() {
                    // an open item of today just passed its expiry: let the store mark it
                    // missed (another day's list, or a minute when nothing expires, does
                    // not change with the clock: an idle console does not reload)
                    return vec![Effect::ClockLoad(Tab::Today, day)];
                }
            }
            Action::Resize { width, height } => {
                self.width = width;
                self.height = height;
                // widened past the Members pane: the pane is the detail now
                if self.tab == Tab::Members && self.mode == Mode::Detail && self.members_pane() {
                    self.mode = Mode::Normal;
                }
            }
            Action::Error(text) => self.flash = Some(Flash { text, error: true }),
            Action::LoadFailed(tab, text) => {
                match tab {
                    Tab::Today => self.today.loaded = true,
                    Tab::Members => self.members.loaded = true,
                    Tab::Content => self.content.loaded = true,
                    Tab::Kpi => self.kpi.loaded = true,
                    Tab::Reminders => self.reminders.loaded = true,
                    Tab::Risk => self.risk.loaded = true,
                }
                self.flash = Some(Flash { text, error: true });
            }
            Action::Restored(r) => {
                let text = crate::i18n::fill(&self.texts.restored, &[("by", &r.by)]);
                self.access = r.access;
                self.flash = Some(Flash { text, error: false });
                return self.changed(Changed::everything());
            }
            Action::FileReplaced(text) => {
                self.farewell = Some(text);
                self.quit = true;
            }
        }
        Vec::new()
    }

    /// Whether the open popup scrolls with the moving keys (instead of the list under
    /// it moving).
    pub fn scrolls(&self) -> bool {
        matches!(
            self.mode,
            Mode::Help | Mode::Detail | Mode::WeeklyReview | Mode::WordPreview
        )
    }

    /// The kind of write `action` starts here — on this tab, in this mode, on the
    /// selected row — if it starts one (`data/roles.toml`): the one mapping from the
    /// console's keys to roles.
    pub fn needs(&self, action: &Action) -> Option<Perm> {
        use Perm::*;
        match action {
            // from the palette, on any tab
            Action::ApplyTemplate => return Some(SopApply),
            Action::AddReminder => return Some(RemindOwn),
            _ => {}
        }
        match self.tab {
            Tab::Today => {
                if matches!(self.mode, Mode::Calendar { .. }) {
                    // the calendar's keys move a date cursor and open a day
                    return None;
                }
                let row = self.target()?;
                let walking = matches!(self.mode, Mode::Walk { .. });
                if row.content_id.is_some() {
                    // a content post: done publishes it; the rest only says where to go
                    return (matches!(action, Action::ToggleDone) && row.state == "todo")
                        .then_some(ContentPublish);
                }
                let open = crate::domain::sop::ItemState::parse(&row.state)
                    .is_none_or(crate::domain::sop::ItemState::is_open);
                match action {
                    // in the walkthrough a closed item is passed over, not undone
                    Action::ToggleDone => (open || !walking).then_some(SopTick),
                    Action::Skip | Action::Note | Action::Claim => Some(SopTick),
                    Action::Assign => Some(SopAssign),
                    Action::Retime | Action::EditScript => Some(SopOverride),
                    _ => None,
                }
            }
            Tab::Members => match action {
                Action::Tag => Some(MemberTag),
                Action::Note => Some(MemberNote),
                Action::Points | Action::Redeem => Some(MemberPoints),
                Action::Sanction => Some(MemberSanction),
                Action::Identity => Some(MemberIdentity),
                _ => None,
            },
            Tab::Content => match action {
                Action::NewContent | Action::EditContent | Action::SubmitContent => {
                    Some(ContentDraft)
                }
                Action::ReviewContent => Some(ContentReview),
                Action::PublishContent | Action::UnscheduleContent | Action::ResultsContent => {
                    Some(ContentPublish)
                }
                _ => None,
            },
            Tab::Kpi => self
                .launch_needs(action)
                .or_else(|| matches!(action, Action::KpiEnter).then_some(KpiEnter)),
            Tab::Reminders => {
                // only one's own or the team's are listed
                matches!(action, Action::Dismiss | Action::Snooze).then_some(RemindOwn)
            }
            Tab::Risk => match action {
                Action::RiskStep(crate::store::risk::act::Step::Review) => Some(RiskReview),
                Action::RiskStep(_) => Some(RiskAct),
                Action::AddWord => Some(KeywordsEdit),
                _ => None,
            },
        }
    }

    /// What the status line says to a write this operator may not do.
    pub fn refusal(&self, perm: Perm) -> String {
        if self.access.readonly {
            return self.texts.roles.read_only.clone();
        }
        self.texts.forbidden(&self.access.forbidden(perm))
    }

    /// What a key means in a text form (the keymap's [editor] section: save, back);
    /// None for a key that edits the text.
    pub(super) fn editor_action(&self, key: &KeyEvent) -> Option<Action> {
        Key::from_event(key)
            .and_then(|k| self.keymap.action("editor", k))
            .and_then(action_named)
    }

    /// Data changed: the tabs showing what changed are out of date. The visible one
    /// reloads now, the others when they are next shown; a few members changed are
    /// patched into the Members list instead of reloading it.
    fn changed(&mut self, ch: Changed) -> Vec<Effect> {
        let mut fx = Vec::new();
        for tab in Tab::ALL {
            let hit = tab.topics() & ch.topics;
            if hit.is_empty() {
                continue;
            }
            if tab == Tab::Members {
                if let Some(ids) = &ch.members
                    && ch.topics.contains(Topics::MEMBERS)
                    && self
                        .msearch
                        .detail
                        .as_ref()
                        .is_some_and(|(d, _)| ids.contains(&d.id))
                {
                    self.msearch.detail = None;
                    self.msearch.requested = None;
                }
                if hit == Topics::MEMBERS
                    && let Some(ids) = &ch.members
                    && self.members.loaded
                    && !self.members.stale
                {
                    if self.tab == Tab::Members {
                        fx.push(Effect::LoadMemberRows(ids.clone()));
                    } else if !self.msearch.queue(ids) {
                        self.members.stale = true;
                    }
                    continue;
                }
                self.msearch.detail = None;
                self.msearch.requested = None;
                self.msearch.pending.clear();
            }
            self.set_stale(tab);
        }
        if self.is_stale(self.tab) {
            fx.push(self.load(self.tab));
        }
        fx
    }

    /// Whether an open item on the Today tab is past its expiry (`HH:MM` in the team's
    /// zone) and so due to be marked missed.
    fn expiring(&self) -> bool {
        let now = self.now.with_timezone(&self.tz).format("%H:%M").to_string();
        let today = self.today_day.to_string();
        // (an alert's task carried over from an earlier day keeps that day's expiry)
        self.today.rows.iter().any(|r| {
            r.state == "todo"
                && r.day == today
                && r.expires.as_deref().is_some_and(|e| e <= now.as_str())
        })
    }

    fn set_stale(&mut self, tab: Tab) {
        match tab {
            Tab::Today => self.today.stale = true,
            Tab::Members => self.members.stale = true,
            Tab::Content => self.content.stale = true,
            Tab::Kpi => self.kpi.stale = true,
            Tab::Reminders => self.reminders.stale = true,
            Tab::Risk => self.risk.stale = true,
        }
    }

    /// Loaded and out of date.
    fn is_stale(&self, tab: Tab) -> bool {
        match tab {
            Tab::Today => self.today.loaded && self.today.stale,
            Tab::Members => self.members.loaded && self.members.stale,
            Tab::Content => self.content.loaded && self.content.stale,
            Tab::Kpi => self.kpi.loaded && self.kpi.stale,
            Tab::Reminders => self.reminders.loaded && self.reminders.stale,
            Tab::Risk => self.risk.loaded && self.risk.stale,
        }
    }

    fn go_tab(&mut self, tab: Tab) -> Vec<Effect> {
        self.tab = tab;
        self.mode = Mode::Normal;
        self.sop.walk_resume = None;
        let mut fx = vec![Effect::ShowingTab(tab)];
        let (loaded, stale) = match tab {
            Tab::Today => (self.today.loaded, self.today.stale),
            Tab::Members => (self.members.loaded, self.members.stale),
            Tab::Content => (self.content.loaded, self.content.stale),
            Tab::Kpi => (self.kpi.loaded, self.kpi.stale),
            Tab::Reminders => (self.reminders.loaded, self.reminders.stale),
            Tab::Risk => (self.risk.loaded, self.risk.stale),
        };
        if !loaded || stale {
            fx.push(self.load(tab));
        } else if tab == Tab::Members && !self.msearch.pending.is_empty() {
            // colleagues changed a few members while another tab was shown
            fx.push(Effect::LoadMemberRows(std::mem::take(
                &mut self.msearch.pending,
            )));
        }
        fx
    }

    fn loaded(&mut self, l: Loaded) {
        match l {
            Loaded::Today(data) => self.today_loaded(*data),
            Loaded::Calendar(month, summary) => {
                self.sop.calendar = Some((month, summary));
            }
            Loaded::Members(rows, index) => self.members_loaded(rows, index),
            Loaded::MemberRows(rows) => self.members_patched(rows),
            Loaded::MemberDetail(d) => {
                // only if it is still the selected member
                if self.members.current().is_some_and(|r| r.id == d.0.id) {
                    self.msearch.detail = Some(*d);
                }
            }
            Loaded::Content(data) => self.content_loaded(*data),
            Loaded::ContentItem(item) => self.content_item_loaded(*item),
            Loaded::Kpi(board) => self.kpi_loaded(*board),
            Loaded::Reminders(rows) => self.reminders_loaded(rows),
            Loaded::Risk(board) => self.risk_loaded(*board),
            Loaded::WordPreview(p) => self.word_previewed(*p),
        }
        self.apply_jump();
    }

    /// Apply a scroll or filter command to the visible tab's table.
    fn with_table(&mut self, cmd: TableCmd) {
        let page = self.page_rows();
        match self.tab {
            Tab::Today => self.today.apply(cmd, page),
            Tab::Members => {
                if let TableCmd::Filter(f) = cmd {
                    // the Members tab searches by name, pinyin and initials
                    self.members.filter = f;
                    self.refilter_members();
                    self.members.top();
                } else {
                    self.members.apply(cmd, page);
                }
            }
            Tab::Content => self.content.apply(cmd, page),
            Tab::Kpi if self.kpi_view.launch => self.board_table(cmd),
            Tab::Kpi => self.kpi.apply(cmd, page),
            Tab::Reminders => self.reminders.apply(cmd, page),
            Tab::Risk => self.risk.apply(cmd, page),
        }
    }

    pub fn filter(&self) -> &str {
        match self.tab {
            Tab::Today => &self.today.filter,
            Tab::Members => &self.members.filter,
            Tab::Content => &self.content.filter,
            Tab::Kpi if self.kpi_view.launch => &self.launch.board.filter,
            Tab::Kpi => &self.kpi.filter,
            Tab::Reminders => &self.reminders.filter,
            Tab::Risk => &self.risk.filter,
        }
    }

    fn has_selection(&self) -> bool {
        match self.tab {
            Tab::Today => self.today.current().is_some(),
            Tab::Members => self.members.current().is_some(),
            // the week schedule shows no selection: nothing acts on the list's
            Tab::Content => {
                self.content_state.view == content::ContentView::List
                    && self.content.current().is_some()
            }
            Tab::Kpi => self.kpi.current().is_some(),
            Tab::Reminders => self.reminders.current().is_some(),
            Tab::Risk => self.risk.current().is_some(),
        }
    }
}

/// Commands in the palette matching what was typed (word or localised label), with the
/// member search's rules (`shuju` finds 数据, `hz` 杭州…): the word typed in full first
/// (`remind` before the `reminders` tab), then prefixes, initials, the label.
pub fn palette_matches(texts: &Texts, input: &str) -> Vec<Command> {
    crate::search::rank(
        input,
        COMMANDS
            .iter()
            .map(|c| [c.word, texts.action_text(c.action)]),
    )
    .into_iter()
    .filter_map(|i| COMMANDS.get(i).copied())
    .collect()
}

/// Picker items matching what was typed, best first, with the member search's rules
/// (pinyin, initials: `hz` finds 杭州…).
pub fn picker_matches<'a>(items: &'a [String], input: &str) -> Vec<&'a String> {
    crate::search::rank(input, items.iter().map(|i| [i]))
        .into_iter()
        .filter_map(|i| items.get(i))
        .collect()
}

/// The action an action name in the keymap stands for.
pub fn action_named(name: &str) -> Option<Action> {
    Some(match name {
        "quit" => Action::Quit,
        "help" => Action::Help,
        "palette" => Action::Palette,
        "next_tab" => Action::NextTab,
        "prev_tab" => Action::PrevTab,
        "tab_today" => Action::GoTab(Tab::Today),
        "tab_members" => Action::GoTab(Tab::Members),
        "tab_content" => Action::GoTab(Tab::Content),
        "tab_kpi" => Action::GoTab(Tab::Kpi),
        "tab_reminders" => Action::GoTab(Tab::Reminders),
        "tab_risk" => Action::GoTab(Tab::Risk),
        "down" => Action::Down,
        "up" => Action::Up,
        "top" => Action::Top,
        "bottom" => Action::Bottom,
        "page_down" => Action::PageDown,
        "page_up" => Action::PageUp,
        "search" => Action::Search,
        "open" => Action::Open,
        "back" => Action::Back,
        "toggle_done" => Action::ToggleDone,
        "skip" => Action::Skip,
        "note" => Action::Note,
        "assign" => Action::Assign,
        "claim" => Action::Claim,
        "walk" => Action::Walk,
        "copy" => Action::Copy,
        "prev_day" => Action::PrevDay,
        "next_day" => Action::NextDay,
        "go_today" => Action::GoToday,
        "calendar" => Action::Calendar,
        "mine" => Action::ToggleMine,
        "undone" => Action::ToggleUndone,
        "group_filter" => Action::GroupFilter,
        "panel" => Action::TogglePanel,
        "left" => Action::Left,
        "right" => Action::Right,
        "retime" => Action::Retime,
        "edit_script" => Action::EditScript,
        "apply_template" => Action::ApplyTemplate,
        "save" => Action::Save,
        "tier_filter" => Action::TierFilter,
        "tag_filter" => Action::TagFilter,
        "silent_filter" => Action::SilentFilter,
        "invert" => Action::Invert,
        "tag" => Action::Tag,
        "points" => Action::Points,
        "redeem" => Action::Redeem,
        "sanction" => Action::Sanction,
        "identity" => Action::Identity,
        "kpi_days" => Action::KpiDays,
        "kpi_metric" => Action::KpiMetric,
        "kpi_enter" => Action::KpiEnter,
        "kpi_launch" => Action::KpiLaunch,
        "launch_new" => Action::LaunchNew,
        // a group's launch detail: its kit items
        "kit_done" => Action::ToggleDone,
        "kit_copy" => Action::Copy,
        "new_content" => Action::NewContent,
        "edit_content" => Action::EditContent,
        "submit_content" => Action::SubmitContent,
        "review_content" => Action::ReviewContent,
        "publish_content" => Action::PublishContent,
        "unschedule_content" => Action::UnscheduleContent,
        "results_content" => Action::ResultsContent,
        "week_view" => Action::WeekView,
        "weekly_review" => Action::WeeklyReview,
        // the Content tab's week schedule moves by weeks
        "prev_week" => Action::PrevDay,
        "next_week" => Action::NextDay,
        "this_week" => Action::GoToday,
        // the Content tab's side panel is the mix
        "mix_panel" => Action::TogglePanel,
        "dismiss" => Action::Dismiss,
        "snooze" => Action::Snooze,
        "add_reminder" => Action::AddReminder,
        "details" => Action::Details,
        "go_to" => Action::GoTo,
        "risk_review" => Action::RiskStep(crate::store::risk::act::Step::Review),
        "risk_warn" => Action::RiskStep(risk_act(crate::domain::risk::Action::Warn)),
        "risk_mute" => Action::RiskStep(risk_act(crate::domain::risk::Action::Mute)),
        "risk_remove" => Action::RiskStep(risk_act(crate::domain::risk::Action::Remove)),
        "risk_close" => Action::RiskStep(risk_act(crate::domain::risk::Action::Close)),
        "risk_dismiss" => Action::RiskStep(risk_act(crate::domain::risk::Action::Dismiss)),
        "add_word" => Action::AddWord,
        "risk_panel" => Action::TogglePanel,
        "risk_details" => Action::Details,
        _ => return None,
    })
}

fn risk_act(a: crate::domain::risk::Action) -> crate::store::risk::act::Step {
    crate::store::risk::act::Step::Act(a)
}

use table::Row;

impl Row for SopRow {
    fn key(&self) -> i64 {
        // content rows carry a negative id of their own (see views::content_today)
        self.id
    }
    fn selectable(&self) -> bool {
        self.id != today::NOW_ROW
    }
    fn haystack(&self) -> String {
        if self.id == today::NOW_ROW {
            // the divider shows on the whole list, not among what a search found
            return String::new();
        }
        format!(
            "{} {} {} {} {}",
            self.slot,
            self.group,
            self.title,
            self.state,
            self.done_by.as_deref().unwrap_or("")
        )
    }
}

impl Row for MemberRow {
    fn key(&self) -> i64 {
        // a member shows once per group: the membership is the identity
        self.membership_id
    }
    fn haystack(&self) -> String {
        format!("{} {} {}", self.name, self.group, self.tier)
    }
}

impl Row for ContentRow {
    fn key(&self) -> i64 {
        self.id
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.title,
            self.kind,
            self.form,
            self.state,
            self.owner,
            self.groups.join(" ")
        )
    }
}

impl Row for ReminderRow {
    fn key(&self) -> i64 {
        self.id
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {}",
            self.title,
            self.group.as_deref().unwrap_or(""),
            self.state,
            self.source
        )
    }
}

impl Row for RemindLine {
    /// A bundle's line is keyed apart from its first reminder's (shown under it when
    /// the bundle is open).
    fn key(&self) -> i64 {
        if self.bundle.is_empty() {
            self.row.id
        } else {
            -self.row.id
        }
    }
    /// A bundle is found by any of its reminders (a member's name, a group).
    fn haystack(&self) -> String {
        if self.bundle.is_empty() {
            return self.row.haystack();
        }
        self.bundle
            .iter()
            .map(Row::haystack)
            .collect::<Vec<_>>()
            .join(" ")
    }
}
