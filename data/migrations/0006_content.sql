-- 0006: what the content queue needs beyond 0001.
--   * content_items.author: the operator who created the item. The review must be done by
--     someone else (rules.toml [content] review_by_other), and the owner can change
--     hands, so the author is kept apart. Existing rows take their owner; a row inserted
--     without one (older writers) gets its owner from the trigger below.
--   * content_items.lesson: the post-mortem note (复盘) entered with the results;
--   * content_items.material_set: 1 when an operator named the material explicitly, so a
--     later save does not replace the name with a fresh proposal;
--   * indexes for the schedule (items by slot, items of a group).
ALTER TABLE content_items ADD COLUMN author TEXT;
UPDATE content_items SET author = owner WHERE author IS NULL;
ALTER TABLE content_items ADD COLUMN lesson TEXT;
ALTER TABLE content_items ADD COLUMN material_set INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER content_items_author AFTER INSERT ON content_items
WHEN NEW.author IS NULL
BEGIN
    UPDATE content_items SET author = NEW.owner WHERE id = NEW.id;
END;
CREATE INDEX content_items_slot ON content_items (slot);
CREATE INDEX content_groups_group ON content_groups (group_id, content_id);
CREATE INDEX content_reviews_item ON content_reviews (content_id, at);
