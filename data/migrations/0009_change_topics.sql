-- 0009: change signals by topic (issue 11). Every shequn write bumps the version of
-- each topic it touched, in the same transaction (store::changes::seal), so a console
-- polling another process's commits reads one small table and reloads only what moved.
-- A heartbeat moves 'presence' only: no console reloads a tab for it. 'writes' moves with
-- every shequn commit that changed anything (bookkeeping too: an audit row), so a commit
-- that moved neither came from something that bypassed shequn (the sqlite3 shell).
--   * change_topics: one row per topic; `version` only grows. WITHOUT ROWID, like
--     member_changes, so bumping them does not feed the update hook that finds topics.
--   * member_changes: the members a targeted change touched, keyed by the 'members'
--     version that change produced. A console that saw version v and now sees w patches
--     just those members when every version in (v, w] is listed here; a version missing
--     (an import, a roster, a tier recompute: bulk) means "reload them all". Old rows
--     are pruned as the version moves on.
CREATE TABLE change_topics (
    topic   TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO change_topics (topic) VALUES
    ('sop'), ('members'), ('content'), ('kpi'), ('reminders'), ('groups'),
    ('operators'), ('settings'), ('risk'), ('presence'), ('writes');

CREATE TABLE member_changes (
    version   INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (version, member_id)
) WITHOUT ROWID;
