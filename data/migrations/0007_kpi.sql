-- 0007: KPIs (issue 6). 0001 already has kpi_daily (one value per group, day and metric,
-- with its source) and alerts (one open episode per group and rule); this adds what
-- keeps them up to date incrementally.
--
-- kpi_dirty: what must be recomputed, per group. `scope` is a day ('YYYY-MM-DD') whose
--   chat activity changed, 'members' when memberships or join/leave events changed (the
--   member count of any day may move), or 'all' when a member's identity changed (who
--   counts as staff for first-response times). The recompute empties it in the same
--   transaction as it writes the values. A non-empty table is the "data changed since
--   the last evaluation" marker a command or console checks when it starts (one indexed
--   read).
--   Member changes are marked by triggers, so every writer marks them without knowing
--   about KPIs. Activity is not: a trigger per activity_daily row cost 0.6 s (+25 %) of
--   the 1,000,000-message import benchmark (300,000 member-days), so whoever writes
--   activity_daily marks its (group, day)s itself, once each (store::kpi::mark_days:
--   the chat import, the demo).
-- kpi_meta: small key/value facts of the evaluation; 'rules' holds the KPI rules the
--   alerts were last judged by, so a changed threshold is re-judged at the next start.
CREATE TABLE kpi_dirty (
    group_id INTEGER NOT NULL,
    scope    TEXT NOT NULL,
    PRIMARY KEY (group_id, scope)
) WITHOUT ROWID;

CREATE TABLE kpi_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER kpi_dirty_member_events AFTER INSERT ON member_events
WHEN new.kind IN ('join', 'leave', 'kick')
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (new.group_id, 'members');
END;
CREATE TRIGGER kpi_dirty_memberships_insert AFTER INSERT ON memberships
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (new.group_id, 'members');
END;
-- only the columns the member count reads: tier recomputes update memberships all day
CREATE TRIGGER kpi_dirty_memberships_update AFTER UPDATE OF joined_at, left_at ON memberships
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (new.group_id, 'members');
END;
CREATE TRIGGER kpi_dirty_identity AFTER UPDATE OF identity ON members
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope)
        SELECT group_id, 'all' FROM memberships WHERE member_id = new.id;
END;

-- an alert's task on the Today tab, found from the alert
CREATE INDEX sop_instances_alert ON sop_instances (alert_id) WHERE alert_id IS NOT NULL;

-- A database from before this migration: compute everything once, at the next start.
INSERT OR IGNORE INTO kpi_dirty (group_id, scope) SELECT DISTINCT group_id, day FROM activity_daily;
INSERT OR IGNORE INTO kpi_dirty (group_id, scope) SELECT id, 'members' FROM groups;
