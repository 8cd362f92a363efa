-- 0001: the whole schema, so later work fills in logic, not tables.
--
-- Conventions
--   * instants are INTEGER unix seconds (UTC); `day` columns are the team's local
--     calendar date as TEXT 'YYYY-MM-DD' (Asia/Shanghai by default), because every
--     rule in DOMAIN.md counts days the way the operators' wall clock does;
--   * enumerations are stable English words (PRODUCT.md), checked here;
--   * rows that operators edit carry `version`, bumped on every update, so a stale
--     edit can be refused instead of silently overwriting a colleague's.

CREATE TABLE operators (
    login        TEXT PRIMARY KEY,
    display_name TEXT,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'operator', 'assistant', 'viewer')),
    created_at   INTEGER NOT NULL
);

-- One row per running console; heartbeated, never audited (it is not business data).
CREATE TABLE presence (
    session_id TEXT PRIMARY KEY,
    login      TEXT NOT NULL,
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    tab        TEXT NOT NULL DEFAULT 'today',
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,              -- 福利型, 知识型, ... (DOMAIN.md §1)
    platform    TEXT NOT NULL CHECK (platform IN ('wecom', 'personal')),
    created_on  TEXT NOT NULL,              -- day the group was created (lifecycle, cold start)
    colour      TEXT,
    positioning TEXT,
    owner       TEXT,
    archived    INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE members (
    id         INTEGER PRIMARY KEY,
    wxid       TEXT UNIQUE,                 -- stable id from exports, when known
    name       TEXT NOT NULL,               -- WeChat name
    identity   TEXT CHECK (identity IN ('customer', 'partner', 'staff')),
    note       TEXT,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX members_name ON members (name);

CREATE TABLE member_aliases (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    PRIMARY KEY (member_id, alias)
) WITHOUT ROWID;

CREATE TABLE memberships (
    id             INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL REFERENCES groups (id),
    member_id      INTEGER NOT NULL REFERENCES members (id),
    group_nickname TEXT,
    role           TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    joined_at      INTEGER,
    left_at        INTEGER,
    left_reason    TEXT CHECK (left_reason IN ('kicked', 'left', 'roster')),
    tier           TEXT CHECK (tier IN ('core', 'active', 'new', 'potential', 'silent', 'left')),
    tier_reason    TEXT,
    kol            INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (group_id, member_id)
);
CREATE INDEX memberships_member ON memberships (member_id);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    member_id  INTEGER REFERENCES members (id),   -- NULL for system messages
    sent_at    INTEGER NOT NULL,
    kind       TEXT NOT NULL,                     -- text, image, voice, video, emoji, app, system
    content    TEXT,
    source_key TEXT NOT NULL,                     -- dedupe key from the export
    UNIQUE (group_id, source_key)
);
CREATE INDEX messages_group_time ON messages (group_id, sent_at);

-- joins, leaves, kicks, renames, revokes, tier changes: the member's history
CREATE TABLE member_events (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id),
    member_id INTEGER REFERENCES members (id),
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('join', 'leave', 'kick', 'rename', 'revoke', 'tier')),
    detail    TEXT,
    source_key TEXT,
    UNIQUE (group_id, source_key)
);
CREATE INDEX member_events_member ON member_events (member_id, at);

CREATE TABLE activity_daily (
    group_id  INTEGER NOT NULL REFERENCES groups (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    day       TEXT NOT NULL,
    messages  INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id, day)
) WITHOUT ROWID;
CREATE INDEX activity_daily_member ON activity_daily (member_id, day);

CREATE TABLE tags (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    colour TEXT
);
CREATE TABLE member_tags (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, tag_id)
) WITHOUT ROWID;

CREATE TABLE sop_templates (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,          -- file stem in data/sop/
    name        TEXT NOT NULL,
    group_kind  TEXT,
    description TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sop_items (
    id          INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES sop_templates (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    script      TEXT NOT NULL DEFAULT '',
    recurrence  TEXT NOT NULL,                 -- see domain::sop::Recurrence
    slot        TEXT NOT NULL,                 -- 'HH:MM' in the team's zone
    expires     TEXT,                          -- 'HH:MM': todo becomes missed after this
    offsets     TEXT NOT NULL DEFAULT '[]',    -- reminder offsets in minutes, JSON array
    role        TEXT,
    UNIQUE (template_id, code)
);

CREATE TABLE group_sop (
    group_id    INTEGER NOT NULL REFERENCES groups (id),
    template_id INTEGER NOT NULL REFERENCES sop_templates (id),
    applied_at  INTEGER NOT NULL,
    applied_by  TEXT NOT NULL,
    PRIMARY KEY (group_id, template_id)
) WITHOUT ROWID;

CREATE TABLE sop_overrides (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    item_id  INTEGER NOT NULL REFERENCES sop_items (id) ON DELETE CASCADE,
    slot     TEXT,
    script   TEXT,
    title    TEXT,
    PRIMARY KEY (group_id, item_id)
) WITHOUT ROWID;

CREATE TABLE sop_instances (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    item_id    INTEGER REFERENCES sop_items (id),   -- NULL for tasks made by alerts
    day        TEXT NOT NULL,
    slot       TEXT NOT NULL,
    title      TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'todo' CHECK (state IN ('todo', 'done', 'skipped', 'missed')),
    done_by    TEXT,
    done_at    INTEGER,
    note       TEXT,
    assignee   TEXT,
    claimed_by TEXT,
    claimed_at INTEGER,
    alert_id   INTEGER REFERENCES alerts (id),
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (group_id, item_id, day)
);
CREATE INDEX sop_instances_day ON sop_instances (day, slot);

CREATE TABLE content_items (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL CHECK (kind IN ('engage', 'convert', 'brand')),  -- 促活 转化 品牌
    form          TEXT NOT NULL CHECK (form IN ('article', 'video', 'poll', 'live', 'text')),
    column_name   TEXT,
    material_name TEXT,
    state         TEXT NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'review', 'scheduled', 'published', 'reviewed')),
    slot          INTEGER,                 -- planned instant
    owner         TEXT NOT NULL,
    reject_reason TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE content_tags (
    content_id INTEGER NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (content_id, tag)
) WITHOUT ROWID;
CREATE TABLE content_groups (
    content_id INTEGER NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    PRIMARY KEY (content_id, group_id)
) WITHOUT ROWID;
CREATE TABLE content_reviews (
    id          INTEGER PRIMARY KEY,
    content_id  INTEGER NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    reviewer    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    compliance  INTEGER NOT NULL,          -- 合规性 pass = 1
    compliance_note TEXT,
    fit         INTEGER NOT NULL,          -- 匹配度
    fit_note    TEXT,
    appeal      INTEGER NOT NULL,          -- 吸引力
    appeal_note TEXT,
    override_reason TEXT                   -- keyword block overridden, on record
);
CREATE TABLE content_results (
    content_id INTEGER PRIMARY KEY REFERENCES content_items (id) ON DELETE CASCADE,
    opens      INTEGER,
    forwards   INTEGER,
    replies    INTEGER,
    clicks     INTEGER,
    orders     INTEGER,
    entered_by TEXT NOT NULL,
    entered_at INTEGER NOT NULL
);

CREATE TABLE kpi_daily (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    day      TEXT NOT NULL,
    metric   TEXT NOT NULL,                -- members, joins, leaves, messages, speakers, dau_rate, ...
    value    REAL NOT NULL,
    source   TEXT NOT NULL DEFAULT 'computed' CHECK (source IN ('computed', 'manual', 'import')),
    PRIMARY KEY (group_id, day, metric)
) WITHOUT ROWID;

CREATE TABLE alerts (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id),
    rule      TEXT NOT NULL,
    since     TEXT NOT NULL,               -- first day of the episode
    value     REAL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE UNIQUE INDEX alerts_open_once ON alerts (group_id, rule) WHERE closed_at IS NULL;

CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    for_login     TEXT,                    -- NULL: everyone on the team
    source        TEXT NOT NULL CHECK (source IN ('sop', 'content', 'countdown', 'alert', 'member', 'review', 'adhoc')),
    source_id     INTEGER,
    group_id      INTEGER REFERENCES groups (id),
    title         TEXT NOT NULL,
    body          TEXT,
    due_at        INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'snoozed', 'dismissed')),
    fired_at      INTEGER,
    snoozed_until INTEGER,
    dismissed_by  TEXT,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reminders_due ON reminders (state, due_at);

CREATE TABLE risk_incidents (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    member_id  INTEGER REFERENCES members (id),
    message_id INTEGER REFERENCES messages (id),
    at         INTEGER NOT NULL,
    level      INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    category   TEXT,
    keyword    TEXT,
    action     TEXT CHECK (action IN ('warn', 'mute', 'remove', 'close')),
    handled_by TEXT,
    handled_at INTEGER,
    note       TEXT
);

-- 警告 → 禁言 → 移出, every action on record (DOMAIN.md §3)
CREATE TABLE sanctions (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    group_id  INTEGER NOT NULL REFERENCES groups (id),
    level     TEXT NOT NULL CHECK (level IN ('warn', 'mute', 'remove')),
    reason    TEXT NOT NULL,
    by        TEXT NOT NULL,
    at        INTEGER NOT NULL
);

CREATE TABLE points_ledger (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    group_id  INTEGER REFERENCES groups (id),
    at        INTEGER NOT NULL,
    delta     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    by        TEXT NOT NULL
);
CREATE INDEX points_member ON points_ledger (member_id);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    at           INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    product      TEXT,
    source_key   TEXT NOT NULL UNIQUE
);
CREATE INDEX orders_member ON orders (member_id, at);

-- files already imported (idempotence, resumable batches)
CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    format      TEXT NOT NULL,
    group_id    INTEGER REFERENCES groups (id),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    last_line   INTEGER,
    summary     TEXT
);

-- Append-only: who changed what, when, old -> new. Triggers make it immutable even
-- for a colleague with the sqlite3 shell.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER,
    old       TEXT,
    new       TEXT
);
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
