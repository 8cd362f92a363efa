-- 0008: reminders planned from the data (issue 7). 0006 and 0007 belong to work that
-- lands beside this one (content queue, KPI alerts).
--   * source_key: what a planned reminder stands for, e.g. 'sop:<instance>:<offset>',
--     'content:<id>:<slot>:<offset>', 'review:<id>:<submitted>', 'alert:<id>',
--     'member:new:<membership>:<joined>', 'member:recall:<group>:<member>:<last day>'.
--     Unique, so planning again (in every console, every few seconds) never duplicates;
--     ad-hoc and older rows have none;
--   * lead_min: minutes relative to the thing's own time (-10 before, 0 at, 15 after);
--   * kind: refines the source where the text needs it (member: new_silent / recall;
--     countdown: days to the event);
--   * resolved: why shequn closed it by itself (done, skipped, missed, superseded,
--     closed, moved, spoke, left, ...); NULL when a person dismissed it;
--   * closed_at: when it was dismissed or resolved.
ALTER TABLE reminders ADD COLUMN source_key TEXT;
ALTER TABLE reminders ADD COLUMN lead_min INTEGER;
ALTER TABLE reminders ADD COLUMN kind TEXT;
ALTER TABLE reminders ADD COLUMN resolved TEXT;
ALTER TABLE reminders ADD COLUMN closed_at INTEGER;
CREATE UNIQUE INDEX reminders_source_key ON reminders (source_key) WHERE source_key IS NOT NULL;
CREATE INDEX reminders_source ON reminders (source, source_id);
