//! The command line (PRODUCT.md "Command line"): clap derive types. Only commands that
//! really work are listed; later issues add theirs here. The doc comments are the
//! English source of the help; what the user sees comes from the language files
//! ([`help`]: `[help]` and `[clap]`), parsed with [`help::parse`].

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;

pub mod help;

#[derive(Debug, Parser)]
#[command(
    name = "shequn",
    version,
    about = "社群 shequn: the operations console for WeChat communities",
    long_about = "社群 shequn: one console (and CLI) for the daily SOP, members, content, KPIs and reminders of the WeChat groups you run, over one SQLite file the team shares.\n\nWithout a command it opens the console."
)]
pub struct Cli {
    /// The database file (default: $XDG_DATA_HOME/shequn/shequn.db)
    #[arg(long, global = true, env = "SHEQUN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// UI language (default: zh when LANG starts with zh, else en)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,

    /// Output format of commands that print data
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// The character set of CSV output: utf-8 (default; `export` adds a BOM so Excel
    /// reads it) or gbk (older Excel and WPS on Chinese Windows)
    #[arg(long, global = true, value_enum, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,

    /// Open the console on a fresh demo database (written to a temporary path)
    #[arg(long)]
    pub demo: bool,

    /// Open the database read-only: look around, change nothing (every write is refused)
    #[arg(long, global = true)]
    pub readonly: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// What CSV is written in (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(alias = "GBK", alias = "gb2312", alias = "cp936")]
    Gbk,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty team database; you become its owner
    Init {
        /// Unix group of the team: init creates the database's directory (it must not
        /// exist) 2770 of that group, the file 0660
        #[arg(long, value_name = "UNIXGROUP")]
        team: Option<String>,
        /// The service group a setgid shequn is installed with (guarded mode): as
        /// --team, but only shequn can open the file
        #[arg(long, value_name = "UNIXGROUP", conflicts_with = "team")]
        guarded: Option<String>,
    },
    /// Write the demo database (deterministic for a given day: SHEQUN_NOW) and exit
    Demo,
    /// The daily SOP checklist
    Sop {
        #[command(subcommand)]
        cmd: SopCmd,
    },
    /// Groups: add one, list them
    Group {
        #[command(subcommand)]
        cmd: GroupCmd,
    },
    /// Who may do what
    Operator {
        #[command(subcommand)]
        cmd: OperatorCmd,
    },
    /// Chat exports, rosters and orders
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Members, their tiers and activity
    Members {
        #[command(subcommand)]
        cmd: MembersCmd,
    },
    /// The content queue: drafts, review, schedule, mix, results
    Content {
        #[command(subcommand)]
        cmd: ContentCmd,
    },
    /// Reminders: what is due (for cron), each one as it fires (for tmux and pipes),
    /// ad-hoc ones; without a flag or command, the Reminders tab's list
    #[command(args_conflicts_with_subcommands = true)]
    Remind {
        /// Print what is due now and exit (for cron)
        #[arg(long, conflicts_with = "watch")]
        due: bool,
        /// Print each reminder as it fires, one line each, until SIGTERM, SIGHUP or
        /// SIGINT (exit 0). Under SHEQUN_NOW the clock starts there and runs on
        #[arg(long)]
        watch: bool,
        #[command(subcommand)]
        cmd: Option<RemindCmd>,
    },
    /// CSV for spreadsheets
    Export {
        #[arg(value_enum)]
        what: ExportWhat,
        /// First day (default: 30 days before --to)
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last day (default: today)
        #[arg(long, value_parser = parse_date)]
        to: Option<NaiveDate>,
    },
    /// Daily KPI values per group and the open alerts
    Kpi {
        /// One group (default: all)
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// Days up to today
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
    },
    /// Reports to paste into a work chat
    Report {
        #[command(subcommand)]
        cmd: ReportCmd,
    },
    /// The team's thresholds and rules: the shipped data/rules.toml with the team's
    /// overrides, kept in the database (setting needs the owner role)
    Settings {
        #[command(subcommand)]
        cmd: SettingsCmd,
    },
    /// The team's keyword lists: the shipped ones, plus the words the team added, less
    /// the shipped words it took off (changing them needs the operator role)
    Keywords {
        #[command(subcommand)]
        cmd: KeywordsCmd,
    },
    /// Risk incidents: the queue with its response clock, one incident with its
    /// evidence and the member's record, and the actions (warn, mute, remove, close the
    /// group, dismiss a false positive)
    Risk {
        #[command(subcommand)]
        cmd: RiskCmd,
    },
    /// A consistent copy of the database while everyone works on it (for cron), checked
    /// and rotated; needs the operator role
    Backup {
        /// The folder to write into (default: backups/ beside the database); must exist
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Backups to keep in that folder; older ones (named shequn-YYYYMMDDTHHMMSS.db)
        /// are deleted
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..))]
        keep: u32,
    },
    /// Put a backup back (owner): checked first, the current database backed up first,
    /// refused while consoles are open unless --force
    Restore {
        /// The backup (any shequn database file)
        file: PathBuf,
        /// Restore even while consoles are open (they reload the restored data)
        #[arg(long)]
        force: bool,
    },
    /// Check the database, its files and this installation: ok / warn / fail, with the
    /// fix (exit 1 when something fails)
    Doctor,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Every key with its value, and whether it is the default or who set it when
    Show {
        /// Only keys starting with this (`kpi.dau_rate`, `content`)
        prefix: Option<String>,
    },
    /// Set a key for the whole team (checked against the rules' types first)
    Set {
        /// A dotted key of data/rules.toml, e.g. kpi.dau_rate.alarm
        key: String,
        /// The value as TOML (0.3, 20, true, [5, 15, 60]) or plain text for a string key
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Give a key back its shipped default
    Unset { key: String },
    /// Make every key of a config.toml-shaped file a team setting (all or nothing)
    Import { file: PathBuf },
    /// The team's settings as a TOML file on stdout (for `settings import`)
    Export,
}

#[derive(Debug, Subcommand)]
pub enum KeywordsCmd {
    /// The lists as the team has them: shipped, added and removed words
    List {
        /// One list: ad, fraud, sensitive (or 广告, 诈骗, 敏感)
        #[arg(long, value_name = "LIST")]
        category: Option<String>,
    },
    /// Add words to a list (a shipped word the team took off comes back)
    Add {
        #[arg(required = true, value_name = "WORD")]
        words: Vec<String>,
        /// ad, fraud, sensitive (or 广告, 诈骗, 敏感)
        #[arg(long, value_name = "LIST")]
        category: String,
    },
    /// Take words off a list (a shipped word is recorded as removed; a team word is deleted)
    Remove {
        #[arg(required = true, value_name = "WORD")]
        words: Vec<String>,
        #[arg(long, value_name = "LIST")]
        category: String,
    },
    /// Add the words of a file: one a line, `#` comments, blank lines ignored (all or nothing)
    Import {
        file: PathBuf,
        #[arg(long, value_name = "LIST")]
        category: String,
    },
    /// Give a word a context in which it is no hit (a false positive: 刷单 in 刷单词)
    Except {
        word: String,
        context: String,
        /// The word's list (default: the first list that has it)
        #[arg(long, value_name = "LIST")]
        category: Option<String>,
        /// Take the exception back
        #[arg(long)]
        remove: bool,
    },
    /// What the lists (or the lists plus a proposed file) would have flagged in the
    /// imported history: hits per word and group, samples, likely false positives
    Test {
        /// A proposed list (one word a line, `word @2 !context` syntax) added to --category
        #[arg(long, value_name = "WORDS", requires = "category")]
        file: Option<PathBuf>,
        /// One list: ad, fraud, sensitive, political, abuse (or 广告, 诈骗, 敏感, 政治, 辱骂)
        #[arg(long, value_name = "LIST")]
        category: Option<String>,
        /// Only the last N days of history
        #[arg(long, value_name = "N")]
        days: Option<u32>,
        /// One group (name or id)
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RiskCmd {
    /// The queue: incidents waiting for an action first (most serious level, then the
    /// oldest), with the response clock and the on-time shares
    List {
        /// Only incidents still waiting for an action
        #[arg(long)]
        open: bool,
        /// 1, 2 or 3 (or close, mute, warn; 关群, 禁言, 警告)
        #[arg(long, value_name = "N")]
        level: Option<String>,
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// A member's id, wxid, name or group nickname
        #[arg(long, value_name = "M")]
        member: Option<String>,
        /// Only incidents detected in the last N days
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
    },
    /// One incident: the evidence with the word marked, the clock, the member's record
    /// across groups and the suggested next step
    Show { id: i64 },
    /// Act on an incident (`risk act ID ACTION`) or on a member without one (`risk act
    /// ACTION --member M --group G`). ACTION: review, warn, mute, remove, close, dismiss
    /// (or 查看, 警告, 禁言, 移出, 关群, 误报)
    Act {
        /// [ID] ACTION
        #[arg(required = true, num_args = 1..=2, value_name = "ID ACTION")]
        args: Vec<String>,
        /// Why (kept on record; needed for every action but review)
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
        /// Act on this member without an incident (warn, mute, remove)
        #[arg(long, value_name = "M")]
        member: Option<String>,
        /// The member's group (when they are in more than one)
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// With dismiss: the word no longer hits in this context (an exception to the
        /// incident's word, e.g. the text around the hit)
        #[arg(long, value_name = "CONTEXT")]
        except: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The day as Markdown: checklist per group and operator, open alerts, due reminders, top movers
    Daily {
        /// The day (YYYY-MM-DD; default: today in the team's zone)
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SopCmd {
    /// The day's checklist across groups (creates the day's items and marks expired ones missed)
    Today {
        /// The day (YYYY-MM-DD; default: today in the team's zone)
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
    /// Mark an item done (a missed item can still be done late)
    Done {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Take back a done or skipped mark
    Undo { id: i64 },
    /// Skip an item; the reason goes on record
    Skip {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Say "I'm on it" (again to let go)
    Claim { id: i64 },
    /// Put a template on groups, optionally moving an item's time or changing its text
    Apply {
        /// Template code (file name in data/sop/) or name
        template: String,
        /// A group (repeat for several)
        #[arg(long = "group", required = true, value_name = "NAME")]
        groups: Vec<String>,
        /// Move an item for these groups: ITEM=HH:MM, e.g. morning=09:00
        #[arg(long = "at", value_name = "ITEM=HH:MM")]
        at: Vec<String>,
        /// Replace an item's script for these groups: ITEM=TEXT
        #[arg(long = "text", value_name = "ITEM=TEXT")]
        text: Vec<String>,
    },
    /// The templates and their items
    Templates,
}

#[derive(Debug, Subcommand)]
pub enum RemindCmd {
    /// An ad-hoc reminder, for you (or --for a colleague, or --team)
    Add {
        /// 10m, +2h, 1h30m, 20:30, "明天 09:00", "2026-03-03 09:00", "in 10 minutes",
        /// 10分钟后 (the team's zone)
        #[arg(long, value_name = "TIME")]
        at: String,
        #[arg(long)]
        title: String,
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// Whose reminder it is (default: yours)
        #[arg(long = "for", value_name = "LOGIN", conflicts_with = "team")]
        for_login: Option<String>,
        /// For the whole team
        #[arg(long)]
        team: bool,
        /// More text, shown with it
        #[arg(long)]
        note: Option<String>,
    },
    /// Dismiss a reminder (for everyone it is for), or every due one of a kind or
    /// group at once (--kind, --group, --day)
    Dismiss {
        /// The reminder's id (`shequn remind` lists them)
        // without one, --kind or --group says which: `commands::remind` refuses
        // neither, in the user's language
        #[arg(conflicts_with_all = ["kind", "group", "day"])]
        id: Option<i64>,
        #[command(flatten)]
        bulk: RemindBulk,
    },
    /// Remind again later: one reminder, or every due one of a kind or group at once
    Snooze {
        #[arg(conflicts_with_all = ["kind", "group", "day"])]
        id: Option<i64>,
        /// 5, 15 or 60 (`[reminders] snooze_minutes` in the config)
        #[arg(long)]
        minutes: i64,
        #[command(flatten)]
        bulk: RemindBulk,
    },
}

/// Which due reminders a bulk dismiss or snooze takes: those of the kind, in the group,
/// of the day (each when given).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RemindBulk {
    /// new_silent (新人未发言), recall (召回), review (审核), alert (告警), sop,
    /// countdown (倒计时), content (内容发布), adhoc (临时)
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only the reminders of this group
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Only those that fell due on this day (YYYY-MM-DD, the team's zone)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// A chat export (WeChatMsg/留痕, MemoTrace, PyWxDump, chatlog, ChatLab, 企业微信 archive, or any CSV with --map)
    Chat {
        file: PathBuf,
        /// The group the messages belong to (default: what the export says)
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// auto (sniffed from the content), wechatmsg, memotrace, pywxdump, chatlog, chatlab, wecom, csv
        #[arg(long, value_name = "FORMAT")]
        from: Option<String>,
        /// For other CSVs: time=列名,sender=列名,content=列名[,sender_id=…,kind=…,id=…,group=…]
        #[arg(long, value_name = "MAP")]
        map: Option<String>,
    },
    /// A group's member list (generic CSV, 企业微信 groupchat/get JSON, PyWxDump users.json); members missing from it are marked as left
    ///
    /// An empty roster is refused, and so is one that would mark more than the team's
    /// share of the group as left (`import.max_leave_share`, 0.2 shipped) unless
    /// --allow-leaves or --force says so.
    Members {
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// At most N members may be marked as left (instead of the team's share)
        #[arg(long, value_name = "N", conflicts_with = "force")]
        allow_leaves: Option<u64>,
        /// Mark as left everyone missing from the roster, however many
        #[arg(long)]
        force: bool,
        /// Show who would join and leave; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Orders (member, time, amount) for RFM
    Orders { file: PathBuf },
    /// Daily numbers only WeChat sees: CSV (group, date, opens, clicks, orders, gmv, …) or 企业微信 groupchat/statistic JSON
    Stats {
        file: PathBuf,
        /// The group the numbers are for (a file without a group column; 企业微信 JSON)
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Entry-questionnaire answers of a group in launch: a CSV with who, when, region,
    /// age, need (or 昵称, 时间, 地区, 年龄, 需求); valid when all three match the group's
    /// target
    Answers {
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        group: String,
    },
    /// Content results: a CSV with `id` (or `title`) and any of opens, forwards, replies,
    /// clicks, orders, lesson; published items become reviewed
    Results { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum MembersCmd {
    /// Members with tier, KOL flag, last message, volume and points
    List {
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// core, active, new, potential, silent or left
        #[arg(long)]
        tier: Option<String>,
        /// The console's search: name, pinyin or initials (zhang, zs → 张三)
        #[arg(long, value_name = "QUERY")]
        search: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// Add a group
    Add {
        name: String,
        /// Its type (DOMAIN.md): 福利型, 知识型, 活动型, 服务型, 兴趣型, 转化型, ...
        #[arg(long)]
        kind: String,
        #[arg(long, value_enum, default_value_t = Platform::Personal)]
        platform: Platform,
        /// Day it was created (default: today); cold-start items count from it
        #[arg(long, value_parser = parse_date)]
        created: Option<NaiveDate>,
        /// Put the template for its type on it right away
        #[arg(long)]
        sop: bool,
    },
    /// Change a group: its name (imports name groups by their room id), type, platform
    /// or creation day
    Edit {
        name: String,
        #[arg(long = "name", value_name = "NEW")]
        new_name: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_enum)]
        platform: Option<Platform>,
        #[arg(long, value_parser = parse_date)]
        created: Option<NaiveDate>,
    },
    /// List the groups
    List,
    /// Launch a group: its positioning, a plan of the seven build phases (筹备期 … 复盘期)
    /// with target dates, the preparation kit and the SOP for its type (cold-start items
    /// from the day it opens, when 引流期 begins)
    Launch {
        name: String,
        /// Its type (DOMAIN.md): 福利型, 知识型, 活动型, 服务型, 兴趣型, 转化型, ...
        #[arg(long)]
        kind: String,
        #[arg(long, value_enum, default_value_t = Platform::Personal)]
        platform: Platform,
        /// Target users + core pain + solution: "为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣" or "users | pain | solution"
        #[arg(long, value_name = "TEXT")]
        positioning: Option<String>,
        /// The plan's first day, when 筹备期 begins (default: today)
        #[arg(long, value_parser = parse_date)]
        start: Option<NaiveDate>,
        /// The region the entry questionnaire looks for (default: any)
        #[arg(long)]
        region: Option<String>,
    },
    /// Change a group's launch plan: one phase's length, the first day, the positioning,
    /// the questionnaire's region
    LaunchPlan {
        name: String,
        /// prep, traffic, screen, operate, convert, fission, review (or 筹备期 … 复盘期, 1–7)
        #[arg(long, requires = "days")]
        phase: Option<String>,
        /// The phase's length in days
        #[arg(long, requires = "phase")]
        days: Option<u32>,
        #[arg(long, value_parser = parse_date)]
        start: Option<NaiveDate>,
        #[arg(long, value_name = "TEXT")]
        positioning: Option<String>,
        /// The region the questionnaire looks for ("" for any)
        #[arg(long)]
        region: Option<String>,
    },
    /// The preparation kit of a group in launch: the checklist, or one change
    Kit {
        name: String,
        #[command(subcommand)]
        cmd: Option<KitCmd>,
    },
    /// The launch board: each group in launch, its phases (done, current with its
    /// metric against the bar, late, ahead) and the next step
    LaunchStatus { name: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum KitCmd {
    /// Mark an item done (rules, welcome, intro, faq, poster, questionnaire, qr — or 群规 …)
    Done { item: String },
    /// Mark an item not done
    Undo { item: String },
    /// Keep an item's text (the file's content; "-" reads stdin); the item is then done
    Text {
        item: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Print an item's text with its placeholders filled, to copy into WeChat
    Show { item: String },
    /// The QR code is up: until --expires (default: 7 days for a personal-WeChat group;
    /// a 企业微信 活码 does not expire); a reminder to renew it comes before
    Qr {
        #[arg(long, value_parser = parse_date)]
        expires: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    Wecom,
    Personal,
}

#[derive(Debug, Subcommand)]
pub enum OperatorCmd {
    /// Add an operator (an OS login) with a role
    Add {
        login: String,
        /// owner, operator, assistant or viewer (or 群主, 运营官, 助理, 访客)
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Take an operator off the database (the last owner cannot be removed)
    Remove { login: String },
    /// List operators
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Owner,
    Operator,
    Assistant,
    Viewer,
}

impl Role {
    pub fn word(self) -> &'static str {
        self.role().word()
    }

    /// The domain's role (`data/roles.toml`).
    pub fn role(self) -> crate::domain::roles::Role {
        use crate::domain::roles::Role as R;
        match self {
            Role::Owner => R::Owner,
            Role::Operator => R::Operator,
            Role::Assistant => R::Assistant,
            Role::Viewer => R::Viewer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// SOP items of a range of days
    Checklist,
    /// Daily KPI values per group, one column per metric
    Kpi,
    /// Every content item with its groups, review and results (--from/--to do not apply)
    Content,
    /// Every member in every group with tier, activity and points (--from/--to do not apply)
    Members,
}

#[derive(Debug, Subcommand)]
pub enum ContentCmd {
    /// The queue, oldest first
    List {
        /// draft, review, scheduled, published or reviewed
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Add a draft; prints its id (json: the item). You are its author
    Add {
        #[arg(long)]
        title: String,
        /// The text members read; `-` reads it from stdin
        #[arg(long = "body-file", value_name = "FILE")]
        body_file: PathBuf,
        /// engage (促活), convert (转化) or brand (品牌)
        #[arg(long)]
        kind: String,
        /// article (图文), video (短视频), poll (投票), live (直播) or text (文字)
        #[arg(long, default_value = "article")]
        form: String,
        /// A group it goes to (repeat for several)
        #[arg(long = "group", value_name = "NAME", required = true)]
        groups: Vec<String>,
        /// When it goes out, in the team's zone: "2026-03-03 20:00"
        #[arg(long, value_name = "TIME")]
        slot: Option<String>,
        /// Its column (栏目), e.g. 干货分享; also the theme of the material name
        #[arg(long)]
        column: Option<String>,
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Who is responsible (default: you)
        #[arg(long)]
        owner: Option<String>,
        /// The material name (default: proposed, "202603 促活-主题-图文")
        #[arg(long, value_name = "NAME")]
        material: Option<String>,
    },
    /// One item: fields, reviews, results, blocked words
    Show { id: i64 },
    /// Change an item you loaded at --expect-version (refused if someone saved since)
    Edit {
        id: i64,
        /// The version you are editing (`content show ID` prints it)
        #[arg(long = "expect-version", value_name = "V")]
        expect_version: i64,
        #[arg(long)]
        title: Option<String>,
        /// `-` reads stdin
        #[arg(long = "body-file", value_name = "FILE")]
        body_file: Option<PathBuf>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        form: Option<String>,
        /// Replaces the groups (repeat for several)
        #[arg(long = "group", value_name = "NAME")]
        groups: Vec<String>,
        /// "2026-03-03 20:00" in the team's zone, or `none`
        #[arg(long, value_name = "TIME")]
        slot: Option<String>,
        /// "" removes it
        #[arg(long)]
        column: Option<String>,
        /// Replaces the tags (repeat for several)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        #[arg(long)]
        owner: Option<String>,
        /// "" goes back to the proposed name
        #[arg(long, value_name = "NAME")]
        material: Option<String>,
    },
    /// Send a draft to review
    Submit { id: i64 },
    /// Pass the review (合规性, 匹配度, 吸引力); blocked words refuse it unless overridden
    Approve {
        id: i64,
        /// Notes on the checks: compliance=…,fit=…,appeal=… (or 合规性=…; repeatable)
        #[arg(long = "note", value_name = "CHECK=TEXT")]
        notes: Vec<String>,
        /// Let blocked words through; the reason goes on record
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
    /// Send an item in review back to its author with a reason
    Reject {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
        /// Notes on the checks: compliance=…,fit=…,appeal=…
        #[arg(long = "note", value_name = "CHECK=TEXT")]
        notes: Vec<String>,
        /// A check that failed: compliance, fit or appeal (repeatable)
        #[arg(long = "fail", value_name = "CHECK")]
        fail: Vec<String>,
    },
    /// Mark a scheduled item as sent
    Publish { id: i64 },
    /// Take a scheduled item off the schedule (back to draft)
    Unschedule { id: i64 },
    /// Enter what members did with a published item (it becomes reviewed)
    Results {
        id: i64,
        #[arg(long)]
        opens: Option<i64>,
        #[arg(long)]
        forwards: Option<i64>,
        #[arg(long)]
        replies: Option<i64>,
        #[arg(long)]
        clicks: Option<i64>,
        #[arg(long)]
        orders: Option<i64>,
        /// The post-mortem note (复盘)
        #[arg(long)]
        lesson: Option<String>,
    },
    /// The week's schedule: posts per day, over-posting, clashes, best times
    Week {
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// A day of the week (default: today)
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
    /// The share of 促活/转化/品牌 over 7 and 30 days against the target
    Mix {
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// The last day (default: today)
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
    /// The weekly review: the week's results ranked, the bottom 20% to drop, what the best share
    ReviewWeek {
        /// The last day of the week (default: today)
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
}

/// A value our own parsers refuse; `help::error_text` says it in the user's language
/// (clap keeps it as the error's source). `Display` is the English, for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error("\"{0}\" is not a date: use YYYY-MM-DD, e.g. 2026-03-02")]
    Date(String),
    #[error("\"{0}\": use owner (群主), operator (运营官), assistant (助理) or viewer (访客)")]
    Role(String),
}

/// A role by its word or its Chinese name (`domain::roles::Role::parse`, the one
/// place roles are read).
pub fn parse_role(s: &str) -> Result<Role, ArgError> {
    use crate::domain::roles::Role as R;
    match R::parse(s) {
        Some(R::Owner) => Ok(Role::Owner),
        Some(R::Operator) => Ok(Role::Operator),
        Some(R::Assistant) => Ok(Role::Assistant),
        Some(R::Viewer) => Ok(Role::Viewer),
        None => Err(ArgError::Role(s.to_string())),
    }
}

/// `YYYY-MM-DD`, with a message that says so.
pub fn parse_date(s: &str) -> Result<NaiveDate, ArgError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| ArgError::Date(s.to_string()))
}
