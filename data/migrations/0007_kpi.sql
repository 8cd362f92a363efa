-- 0007: KPIs (issue 6). 0001 already has kpi_daily (one value per group, day and metric,
-- with its source) and alerts (one open episode per group and rule); this adds what
-- keeps them up to date incrementally.
--
-- kpi_dirty: what must be recomputed, per group. `scope` is a day ('YYYY-MM-DD') whose
--   chat activity changed, 'members' when memberships or join/leave events changed (the
--   member count of any day may move), or 'all' when a member's identity changed (who
--   counts as staff for first-response times). Triggers fill it, so every writer —
--   chat and roster imports, the demo, anything later — marks its days without knowing
--   about KPIs; the recompute empties it in the same transaction as it writes the
--   values. A non-empty table is the "data changed since the last evaluation" marker a
--   command or console checks when it starts (one indexed read).
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

-- activity_daily gets one row per member and day (an import sums in memory and upserts
-- once), so these fire per member-day, not per message.
CREATE TRIGGER kpi_dirty_activity_insert AFTER INSERT ON activity_daily
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (new.group_id, new.day);
END;
CREATE TRIGGER kpi_dirty_activity_update AFTER UPDATE ON activity_daily
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (new.group_id, new.day);
END;
CREATE TRIGGER kpi_dirty_activity_delete AFTER DELETE ON activity_daily
BEGIN
    INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (old.group_id, old.day);
END;
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
