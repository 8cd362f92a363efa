-- 0003: imports resolve senders by group nickname; without this index every new sender
-- scanned the group's memberships (quadratic in the size of a group).
CREATE INDEX memberships_group_nick ON memberships (group_id, group_nickname);
