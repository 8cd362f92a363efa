//! Roles and what each may do (issue 12): the permission table of `data/roles.toml`, as
//! data, and the one question everything asks of it — may this role do this kind of
//! write, and if not, which role may. Also what a caller's standing is ([`Access`]) and
//! why a write was refused ([`Forbidden`]), as plain data the store fills in and the
//! CLI and the console put into words. Pure: who the caller is and whether the database
//! is opened read-only are decided by the store.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The shipped permission table.
pub const SHIPPED_ROLES: &str = include_str!("../../data/roles.toml");

/// A role, least first: each may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Assistant,
    Operator,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Assistant, Role::Operator, Role::Owner];

    /// The stable word (`operators.role`, `--role`, JSON).
    pub fn word(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Assistant => "assistant",
            Role::Operator => "operator",
            Role::Owner => "owner",
        }
    }

    /// The word or its Chinese name (群主, 运营官, 助理, 访客).
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL.into_iter().find(|r| {
            r.word().eq_ignore_ascii_case(s)
                || matches!(
                    (r, s),
                    (Role::Owner, "群主")
                        | (Role::Operator, "运营官" | "运营")
                        | (Role::Assistant, "助理")
                        | (Role::Viewer, "访客" | "只读")
                )
        })
    }
}

/// A kind of write, as `data/roles.toml` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Perm {
    SopTick,
    SopAssign,
    SopOverride,
    SopApply,
    MemberTag,
    MemberNote,
    MemberPoints,
    MemberSanction,
    MemberIdentity,
    RiskReview,
    RiskAct,
    ContentDraft,
    ContentReview,
    ContentPublish,
    Import,
    GroupEdit,
    KpiEnter,
    RemindOwn,
    RemindOthers,
    KeywordsEdit,
    SettingsEdit,
    OperatorGrant,
    Backup,
    Restore,
}

impl Perm {
    pub const ALL: [Perm; 24] = [
        Perm::SopTick,
        Perm::SopAssign,
        Perm::SopOverride,
        Perm::SopApply,
        Perm::MemberTag,
        Perm::MemberNote,
        Perm::MemberPoints,
        Perm::MemberSanction,
        Perm::MemberIdentity,
        Perm::RiskReview,
        Perm::RiskAct,
        Perm::ContentDraft,
        Perm::ContentReview,
        Perm::ContentPublish,
        Perm::Import,
        Perm::GroupEdit,
        Perm::KpiEnter,
        Perm::RemindOwn,
        Perm::RemindOthers,
        Perm::KeywordsEdit,
        Perm::SettingsEdit,
        Perm::OperatorGrant,
        Perm::Backup,
        Perm::Restore,
    ];

    /// Its key in `data/roles.toml`.
    pub fn word(self) -> &'static str {
        match self {
            Perm::SopTick => "sop.tick",
            Perm::SopAssign => "sop.assign",
            Perm::SopOverride => "sop.override",
            Perm::SopApply => "sop.apply",
            Perm::MemberTag => "member.tag",
            Perm::MemberNote => "member.note",
            Perm::MemberPoints => "member.points",
            Perm::MemberSanction => "member.sanction",
            Perm::MemberIdentity => "member.identity",
            Perm::RiskReview => "risk.review",
            Perm::RiskAct => "risk.act",
            Perm::ContentDraft => "content.draft",
            Perm::ContentReview => "content.review",
            Perm::ContentPublish => "content.publish",
            Perm::Import => "import",
            Perm::GroupEdit => "group.edit",
            Perm::KpiEnter => "kpi.enter",
            Perm::RemindOwn => "remind.own",
            Perm::RemindOthers => "remind.others",
            Perm::KeywordsEdit => "keywords.edit",
            Perm::SettingsEdit => "settings.edit",
            Perm::OperatorGrant => "operator.grant",
            Perm::Backup => "backup",
            Perm::Restore => "restore",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RolesError {
    #[error("data/roles.toml: {0}")]
    Parse(String),
    #[error("data/roles.toml names no role for {0}")]
    Missing(&'static str),
    #[error("data/roles.toml names an action shequn does not know: {0}")]
    Unknown(String),
}

/// The permission table: the least role of each kind of write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    least: BTreeMap<Perm, Role>,
}

impl Permissions {
    /// Parse a table; every kind of write must be named, and nothing else.
    pub fn parse(text: &str) -> Result<Permissions, RolesError> {
        #[derive(Deserialize)]
        struct File {
            actions: BTreeMap<String, Role>,
        }
        let file: File = toml::from_str(text).map_err(|e| RolesError::Parse(e.to_string()))?;
        let mut least = BTreeMap::new();
        for (word, role) in &file.actions {
            let perm = Perm::ALL
                .into_iter()
                .find(|p| p.word() == word)
                .ok_or_else(|| RolesError::Unknown(word.clone()))?;
            least.insert(perm, *role);
        }
        if let Some(p) = Perm::ALL.into_iter().find(|p| !least.contains_key(p)) {
            return Err(RolesError::Missing(p.word()));
        }
        Ok(Permissions { least })
    }

    /// The shipped table (a unit test proves it parses, so this cannot fail at run
    /// time unless the binary itself is broken).
    pub fn shipped() -> Permissions {
        Permissions::parse(SHIPPED_ROLES).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The shipped table, parsed once for the life of the process.
    pub fn get() -> &'static Permissions {
        static SHIPPED: LazyLock<Permissions> = LazyLock::new(Permissions::shipped);
        &SHIPPED
    }

    /// The least role that may do `perm`.
    pub fn needs(&self, perm: Perm) -> Role {
        self.least.get(&perm).copied().unwrap_or(Role::Owner)
    }

    pub fn allows(&self, role: Role, perm: Perm) -> bool {
        role >= self.needs(perm)
    }
}

/// Who the caller is to a database: their role, whether the database was opened
/// read-only, and what a refusal needs to say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The OS login.
    pub login: String,
    pub role: Role,
    /// `--readonly`: every write is refused, whatever the role.
    pub readonly: bool,
    /// The login has a row in `operators`. A database whose `operators` table is empty
    /// (from before roles, or brand new) makes everyone its owner without one.
    pub listed: bool,
    /// The owners' logins, for "ask an owner".
    pub owners: Vec<String>,
    /// The database's path, for the command that adds this login.
    pub db: Option<String>,
}

impl Access {
    /// Everything, no questions asked (a new database; the console's model before the
    /// store said otherwise).
    pub fn owner(login: &str) -> Access {
        Access {
            login: login.to_string(),
            role: Role::Owner,
            readonly: false,
            listed: false,
            owners: Vec::new(),
            db: None,
        }
    }

    /// Someone the team has not added: on a team database (it has operators), a login
    /// without a row is a viewer and is told who can add them.
    pub fn unknown(&self) -> bool {
        !self.listed && self.role == Role::Viewer
    }

    /// Whether this caller may do `perm` (never under `--readonly`).
    pub fn may(&self, perm: Perm) -> bool {
        !self.readonly && Permissions::get().allows(self.role, perm)
    }

    /// Nothing this caller does is written: a viewer, or `--readonly`.
    pub fn read_only(&self) -> bool {
        self.readonly || self.role == Role::Viewer
    }

    /// Why `perm` is refused to this caller (under `--readonly` the store says so
    /// before it asks about roles).
    pub fn forbidden(&self, perm: Perm) -> Forbidden {
        Forbidden {
            perm,
            needs: Permissions::get().needs(perm),
            role: self.role,
            login: self.login.clone(),
            unknown: self.unknown(),
            owners: self.owners.clone(),
            db: self.db.clone(),
        }
    }

    /// The command an owner runs to let this login work.
    pub fn add_command(&self) -> String {
        add_command(&self.login, self.db.as_deref())
    }
}

/// `shequn operator add LOGIN --role operator [--db PATH]`: the path too, since an
/// owner's default database is in their own home, not the team's file.
fn add_command(login: &str, db: Option<&str>) -> String {
    let mut c = format!("shequn operator add {login} --role operator");
    if let Some(db) = db {
        let plain = db
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@%:,".contains(c));
        if plain {
            c.push_str(&format!(" --db {db}"));
        } else {
            c.push_str(&format!(" --db '{}'", db.replace('\'', "'\\''")));
        }
    }
    c
}

/// A write refused for want of a role: what it needed, what the caller is, and (for a
/// login the team has not added) who can add them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub perm: Perm,
    pub needs: Role,
    pub role: Role,
    pub login: String,
    /// Not in `operators` on a team database.
    pub unknown: bool,
    pub owners: Vec<String>,
    pub db: Option<String>,
}

impl Forbidden {
    /// The command an owner runs to let this login work.
    pub fn add_command(&self) -> String {
        add_command(&self.login, self.db.as_deref())
    }
}

impl std::fmt::Display for Forbidden {
    /// The log's words (people read the language files' — `i18n::Texts::forbidden`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} needs the {} role; {} is {}",
            self.perm.word(),
            self.needs.word(),
            self.login,
            self.role.word()
        )?;
        if self.unknown {
            write!(
                f,
                " (not an operator of this database; owners: {}; they can run `{}`)",
                self.owners.join(", "),
                self.add_command()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Perm::*;
    use Role::*;

    /// Issue 12's table, written out: what each role may do.
    #[test]
    fn the_shipped_table_is_issue_12s() {
        let p = Permissions::shipped();
        let table: &[(Perm, [bool; 4])] = &[
            //                   viewer assistant operator owner
            (SopTick, [false, true, true, true]),
            (SopAssign, [false, false, true, true]),
            (SopOverride, [false, false, true, true]),
            (SopApply, [false, false, true, true]),
            (MemberTag, [false, true, true, true]),
            (MemberNote, [false, true, true, true]),
            (MemberPoints, [false, false, true, true]),
            (MemberSanction, [false, false, true, true]),
            (MemberIdentity, [false, false, true, true]),
            (RiskReview, [false, true, true, true]),
            (RiskAct, [false, false, true, true]),
            (ContentDraft, [false, true, true, true]),
            (ContentReview, [false, false, true, true]),
            (ContentPublish, [false, false, true, true]),
            (Import, [false, false, true, true]),
            (GroupEdit, [false, false, true, true]),
            (KpiEnter, [false, false, true, true]),
            (RemindOwn, [false, true, true, true]),
            (RemindOthers, [false, false, true, true]),
            (KeywordsEdit, [false, false, true, true]),
            (SettingsEdit, [false, false, false, true]),
            (OperatorGrant, [false, false, false, true]),
            (Backup, [false, false, true, true]),
            (Restore, [false, false, false, true]),
        ];
        assert_eq!(
            table.len(),
            Perm::ALL.len(),
            "every kind of write is in the table"
        );
        for (perm, allowed) in table {
            for (role, want) in Role::ALL.iter().zip(allowed) {
                assert_eq!(
                    p.allows(*role, *perm),
                    *want,
                    "{} as {}",
                    perm.word(),
                    role.word()
                );
            }
        }
    }

    #[test]
    fn a_table_must_name_every_write_and_nothing_else() {
        let missing = SHIPPED_ROLES.replace("\"restore\" = \"owner\"", "");
        assert_eq!(
            Permissions::parse(&missing),
            Err(RolesError::Missing("restore"))
        );
        let extra = format!("{SHIPPED_ROLES}\n\"fly\" = \"owner\"\n");
        assert_eq!(
            Permissions::parse(&extra),
            Err(RolesError::Unknown("fly".into()))
        );
        assert!(matches!(
            Permissions::parse("[actions]\n\"import\" = \"boss\""),
            Err(RolesError::Parse(_))
        ));
    }

    #[test]
    fn access_says_who_may_and_why_not() {
        let mut a = Access {
            login: "bob".into(),
            role: Assistant,
            readonly: false,
            listed: true,
            owners: vec!["alice".into()],
            db: Some("/srv/team a/t.db".into()),
        };
        assert!(a.may(SopTick) && !a.may(MemberPoints) && !a.read_only());
        let f = a.forbidden(MemberPoints);
        assert_eq!((f.needs, f.role, f.unknown), (Operator, Assistant, false));
        a.readonly = true;
        assert!(!a.may(SopTick) && a.read_only());
        // not listed on a team database: a viewer who is told who adds them
        let a = Access {
            role: Viewer,
            listed: false,
            readonly: false,
            ..a
        };
        let f = a.forbidden(SopTick);
        assert!(f.unknown && a.unknown() && a.read_only());
        assert!(f.to_string().contains("alice"));
        assert!(
            f.to_string()
                .contains("shequn operator add bob --role operator")
        );
        assert!(
            f.add_command().ends_with(" --db '/srv/team a/t.db'"),
            "{}",
            f.add_command()
        );
        // a database without operators: everyone its owner
        assert!(Access::owner("x").may(Restore) && !Access::owner("x").unknown());
    }

    #[test]
    fn roles_parse_in_both_languages() {
        for (s, r) in [
            ("owner", Owner),
            ("群主", Owner),
            ("Operator", Operator),
            ("运营官", Operator),
            ("助理", Assistant),
            ("viewer", Viewer),
        ] {
            assert_eq!(Role::parse(s), Some(r), "{s}");
        }
        assert_eq!(Role::parse("boss"), None);
        assert!(Viewer < Assistant && Assistant < Operator && Operator < Owner);
    }
}
