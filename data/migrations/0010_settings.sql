-- 0010: team settings (issue 12): the thresholds and rules and the keyword lists are the
-- team's, in the database they share, instead of each operator's own files. The shipped
-- defaults (data/rules.toml, data/keywords/*.txt) stay the base; these tables hold only
-- what the team changed, so a newer shequn's new defaults still reach every key the team
-- did not set. Every change is audited (entity 'setting' or 'keyword') in the same short
-- write, and moves the 'settings' change signal, so every console follows at once.
--   * team_settings: one row per key the team set. `key` is the dotted path of a
--     data/rules.toml key (kpi.dau_rate.alarm, content.mix, kpi.alerts.dau_low.below);
--     `value` is that value as TOML text (0.3, "721", [5, 15, 60]), checked against the
--     rules' types when it is set; `version` counts its changes.
--   * team_keywords: the team's changes to a keyword list: a word it added ('add'), or a
--     shipped word it took off ('remove'). Removing a word the team added deletes its row;
--     adding a shipped word back deletes the removal. `category` is checked by shequn, not
--     here, so more lists (issue 15) need no table rebuild.
CREATE TABLE team_settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    set_at  INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE team_keywords (
    category TEXT NOT NULL,
    word     TEXT NOT NULL,
    change   TEXT NOT NULL CHECK (change IN ('add', 'remove')),
    set_by   TEXT NOT NULL,
    set_at   INTEGER NOT NULL,
    PRIMARY KEY (category, word)
);
