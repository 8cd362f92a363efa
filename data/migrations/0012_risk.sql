-- 0012: risk incidents with their response clock, sanctions tied to them (issue 15,
-- points 2–5). 0013 and 0014 belong to work that lands beside this one.
--   * risk_incidents is rebuilt (SQLite cannot change a CHECK):
--       - source: what opened it — a chat 'message', a 'content' draft, a blacklisted
--         member's 'rejoin', or a person ('manual', acting on a member without one);
--       - group_id may be NULL (a draft aimed at no group yet); content_id names the
--         draft, sanction_id the removal a re-join follows;
--       - at: when it happened (the message's time, the draft's save, the re-join);
--         detected_at: when shequn saw it (the import's or the save's time). The clock
--         is at → detected_at → reviewed_at → acted_at (store::risk, README "Risk");
--       - evidence, hit_start, hit_end: the text and the byte span of the word in it;
--       - state: open → reviewed → acted, or dismissed (a false positive); action: what
--         was done (warn, mute, remove, close, dismiss), by acted_by at acted_at;
--       - version: bumped by every step, so a colleague's earlier action is refused as
--         stale instead of acted on twice.
--     Old rows keep their ids; one with an action counts as acted (and reviewed) when
--     it was handled, detected when it happened. Their Chinese categories become the
--     keyword lists' slugs (争吵 → abuse).
--   * Unique rules, so importing the same export again opens nothing: one incident per
--     message; one per removal and group a removed member re-joins; one open per draft
--     and word.
--   * sanctions is rebuilt too: member and group may be NULL (a draft's dismissal has
--     neither), level gains 'close' (the group was closed) and 'dismiss' (the record of
--     a false positive), and incident_id names the incident acted on.
--   * sop_instances.incident_id: the incident's task on the Today tab (like alert_id).
--   * reminders is rebuilt for the source 'risk' (a level-1 incident's 立即关群/处理).
CREATE TABLE risk_incidents_new (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL DEFAULT 'message'
                CHECK (source IN ('message', 'content', 'rejoin', 'manual')),
    group_id    INTEGER REFERENCES groups (id),
    member_id   INTEGER REFERENCES members (id),
    message_at  INTEGER,                      -- the message, by its key (both or neither)
    message_key INTEGER,
    content_id  INTEGER REFERENCES content_items (id) ON DELETE CASCADE,
    sanction_id INTEGER REFERENCES sanctions (id),
    at          INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    level       INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    category    TEXT,
    keyword     TEXT,
    evidence    TEXT,
    hit_start   INTEGER,
    hit_end     INTEGER,
    state       TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'reviewed', 'acted', 'dismissed')),
    reviewed_by TEXT,
    reviewed_at INTEGER,
    action      TEXT CHECK (action IN ('warn', 'mute', 'remove', 'close', 'dismiss')),
    acted_by    TEXT,
    acted_at    INTEGER,
    note        TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (group_id, message_at, message_key) REFERENCES messages (group_id, sent_at, key_hash)
);
INSERT INTO risk_incidents_new (id, source, group_id, member_id, message_at, message_key, at,
        detected_at, level, category, keyword, state, reviewed_by, reviewed_at, action,
        acted_by, acted_at, note)
    SELECT id, 'message', group_id, member_id, message_at, message_key, at, at, level,
           CASE category WHEN '广告' THEN 'ad' WHEN '诈骗' THEN 'fraud' WHEN '敏感' THEN 'sensitive'
                         WHEN '政治' THEN 'political' WHEN '辱骂' THEN 'abuse'
                         WHEN '争吵' THEN 'abuse' ELSE category END,
           keyword,
           CASE WHEN action IS NULL THEN 'open' ELSE 'acted' END,
           CASE WHEN action IS NULL THEN NULL ELSE handled_by END,
           CASE WHEN action IS NULL THEN NULL ELSE handled_at END,
           action, handled_by, handled_at, note
    FROM risk_incidents;

CREATE TABLE sanctions_new (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER REFERENCES members (id),
    group_id    INTEGER REFERENCES groups (id),
    level       TEXT NOT NULL CHECK (level IN ('warn', 'mute', 'remove', 'close', 'dismiss')),
    reason      TEXT NOT NULL,
    by          TEXT NOT NULL,
    at          INTEGER NOT NULL,
    incident_id INTEGER REFERENCES risk_incidents (id)
);
INSERT INTO sanctions_new (id, member_id, group_id, level, reason, by, at)
    SELECT id, member_id, group_id, level, reason, by, at FROM sanctions;

DROP TABLE risk_incidents;
DROP TABLE sanctions;
ALTER TABLE risk_incidents_new RENAME TO risk_incidents;
ALTER TABLE sanctions_new RENAME TO sanctions;

CREATE UNIQUE INDEX risk_incidents_message ON risk_incidents (group_id, message_at, message_key)
    WHERE message_key IS NOT NULL;
CREATE UNIQUE INDEX risk_incidents_rejoin ON risk_incidents (member_id, group_id, sanction_id)
    WHERE source = 'rejoin';
CREATE UNIQUE INDEX risk_incidents_draft ON risk_incidents (content_id, keyword)
    WHERE source = 'content' AND state IN ('open', 'reviewed');
CREATE INDEX risk_incidents_queue ON risk_incidents (state, level, detected_at);
CREATE INDEX risk_incidents_member ON risk_incidents (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX sanctions_member ON sanctions (member_id, at);
CREATE INDEX sanctions_removals ON sanctions (member_id) WHERE level = 'remove';

ALTER TABLE sop_instances ADD COLUMN incident_id INTEGER REFERENCES risk_incidents (id);
CREATE INDEX sop_instances_incident ON sop_instances (incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE reminders_new (
    id            INTEGER PRIMARY KEY,
    for_login     TEXT,
    source        TEXT NOT NULL CHECK (source IN ('sop', 'content', 'countdown', 'alert', 'member',
                                                  'review', 'adhoc', 'risk')),
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
    version       INTEGER NOT NULL DEFAULT 1,
    source_key    TEXT,
    lead_min      INTEGER,
    kind          TEXT,
    resolved      TEXT,
    closed_at     INTEGER
);
INSERT INTO reminders_new (id, for_login, source, source_id, group_id, title, body, due_at, state,
        fired_at, snoozed_until, dismissed_by, created_by, created_at, version, source_key,
        lead_min, kind, resolved, closed_at)
    SELECT id, for_login, source, source_id, group_id, title, body, due_at, state,
           fired_at, snoozed_until, dismissed_by, created_by, created_at, version, source_key,
           lead_min, kind, resolved, closed_at
    FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (state, due_at);
CREATE UNIQUE INDEX reminders_source_key ON reminders (source_key) WHERE source_key IS NOT NULL;
CREATE INDEX reminders_source ON reminders (source, source_id);
