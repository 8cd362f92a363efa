-- 0013: launching a group (issue 16). The positioning lives in groups.positioning (0001).
--   * launch_plans: one per group in launch — the plan's first day (筹备期 begins; the
--     group opens when 引流期 begins), the region its questionnaire targets.
--   * launch_phases: the seven phases of source 000 with the group's own length of each
--     and its target date (`due_on`, the last day; kept in step with start_on and the
--     lengths by whoever changes them), and the Today task a late phase made (once).
--   * launch_kit: the preparation kit (弹药包), one row per item: todo/done, the text
--     kept in shequn (rules, welcome, intro, FAQ, questionnaire), the QR code's expiry.
--   * launch_answers: entry-questionnaire answers (`shequn import answers`): the three
--     match fields as given; valid or not is judged when read, against the group's
--     target as it is then (its positioning may change).
-- Rowid tables, so the change hooks see them (store::changes: topic 'groups').
CREATE TABLE launch_plans (
    group_id      INTEGER PRIMARY KEY REFERENCES groups (id),
    start_on      TEXT NOT NULL,
    target_region TEXT,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE launch_phases (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    phase    TEXT NOT NULL CHECK (phase IN ('prep', 'traffic', 'screen', 'operate',
                                            'convert', 'fission', 'review')),
    seq      INTEGER NOT NULL,
    days     INTEGER NOT NULL CHECK (days >= 1),
    due_on   TEXT NOT NULL,
    task_id  INTEGER REFERENCES sop_instances (id),
    PRIMARY KEY (group_id, phase)
);
CREATE INDEX launch_phases_task ON launch_phases (task_id) WHERE task_id IS NOT NULL;

CREATE TABLE launch_kit (
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    item       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'todo' CHECK (state IN ('todo', 'done')),
    text       TEXT,
    expires_on TEXT,
    done_by    TEXT,
    done_at    INTEGER,
    version    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (group_id, item)
);

CREATE TABLE launch_answers (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups (id),
    who         TEXT NOT NULL,
    answered_at INTEGER NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    age         TEXT NOT NULL DEFAULT '',
    need        TEXT NOT NULL DEFAULT '',
    UNIQUE (group_id, who, answered_at)
);
CREATE INDEX launch_answers_time ON launch_answers (group_id, answered_at);
