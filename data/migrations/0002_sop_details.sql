-- 0002: what the daily checklist needs beyond 0001.
--   * sop_items.send: whether an item is a mass send to the group (counts against the
--     WeChat send quota) or internal work (planning, a review);
--   * sop_instances.expires: the wall-clock time after which an undone item is missed,
--     copied at creation so a per-group time override moves the expiry with it.
ALTER TABLE sop_items ADD COLUMN send INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sop_instances ADD COLUMN expires TEXT;
CREATE INDEX sop_instances_group_day ON sop_instances (group_id, day);
