-- 0011: chat imports in short transactions (issue 13, point 3). An import no longer
-- holds the write lock while it reads its file: it reads a chunk of the file outside any
-- transaction, then writes it into these tables in one short transaction under an import
-- batch that nobody sees until the batch's last, short transaction marks it done
-- (store::import, module header: the design and why it is safe).
--   * import_batches.state: 'running' while a batch is being written (its messages are in
--     `messages` but hidden), 'done' once its last transaction committed (every row
--     written before this migration was such a finished import), 'rolled_back' once an
--     unfinished batch — its process died, or it failed — was taken out again.
--   * import_batches.owner: who writes a running batch, as 'BOOT_ID:PID:START' (the
--     kernel's boot id, the process id and its start time in clock ticks): a later
--     import tells a batch still being written from one whose process is gone, and rolls
--     the latter back before it starts.
--   * messages.batch: the import batch that wrote the message (NULL: written before this
--     migration, or not by an import). A message of a running batch is hidden.
--   * import_batch_groups: the groups a batch writes messages to, with the time range of
--     those messages (so a roll-back walks only that range of the key) and whether the
--     batch created the group (created groups stay archived — hidden — until the batch
--     is done; a rolled-back batch deletes them again if nothing else uses them).
--   * import_batch_members: the members a batch created (rows without a membership, so
--     no list shows them until the batch is done; a roll-back deletes the unused ones).
--     Both tables hold a batch's rows only while it runs: what a roll-back needs. Rowid
--     tables, so that the change hooks see their rows go (store::changes: a change no
--     hook saw would signal every topic).
--   * visible_messages: the messages every reader reads — all but those of a running
--     batch. (Only the import itself, its roll-back and this view read `messages`.)
ALTER TABLE import_batches ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('running', 'done', 'rolled_back'));
ALTER TABLE import_batches ADD COLUMN owner TEXT;
CREATE INDEX import_batches_running ON import_batches (id) WHERE state = 'running';

ALTER TABLE messages ADD COLUMN batch INTEGER;

CREATE TABLE import_batch_groups (
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    group_id INTEGER NOT NULL,
    created  INTEGER NOT NULL DEFAULT 0,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (batch_id, group_id)
);

CREATE TABLE import_batch_members (
    batch_id  INTEGER NOT NULL REFERENCES import_batches (id),
    member_id INTEGER NOT NULL,
    PRIMARY KEY (batch_id, member_id)
);

CREATE VIEW visible_messages AS
    SELECT group_id, sent_at, key_hash, member_id, kind, content, batch
    FROM messages
    WHERE batch IS NULL
       OR batch NOT IN (SELECT id FROM import_batches WHERE state = 'running');
