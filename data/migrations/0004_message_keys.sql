-- 0004: messages are de-duplicated by a 64-bit hash of their export key instead of the
-- key text, and lose the (group, time) index no query uses. A 1,000,000-message import
-- spent most of its time maintaining those two text-heavy indexes.
-- shequn_key_hash() is a function shequn registers on every connection (FNV-1a 64).
-- The table is rebuilt with foreign keys off (see store::migrations), as SQLite's
-- ALTER TABLE procedure asks.
CREATE TABLE messages_new (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id),
    member_id INTEGER REFERENCES members (id),   -- NULL for system messages
    sent_at   INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    content   TEXT,
    key_hash  INTEGER NOT NULL                   -- hash of the export's message key
);
INSERT INTO messages_new (id, group_id, member_id, sent_at, kind, content, key_hash)
    SELECT id, group_id, member_id, sent_at, kind, content, shequn_key_hash(source_key) FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_key ON messages (group_id, key_hash);
