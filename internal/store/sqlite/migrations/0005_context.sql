-- Context and memory: session summaries (compactions and resets), and
-- long-term memories with an FTS5 index (English stemming) and its
-- vocabulary (document frequency per term).
CREATE TABLE session_summaries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    claw        TEXT NOT NULL,
    session     TEXT NOT NULL,
    through_seq INTEGER NOT NULL,
    text        TEXT NOT NULL,
    run_id      INTEGER NOT NULL DEFAULT 0,
    reset       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX session_summaries_session ON session_summaries (tenant_id, claw, session, id);

CREATE TABLE memories (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL,
    claw       TEXT NOT NULL,
    text       TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX memories_claw ON memories (tenant_id, claw, source);

CREATE VIRTUAL TABLE memories_fts USING fts5(
    text, tags, content='memories', content_rowid='id', tokenize='porter unicode61'
);
-- Document frequency per indexed term: searches skip very common words.
CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'row');
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text, tags) VALUES (new.id, new.text, new.tags);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
END;

CREATE TABLE memory_files (
    tenant_id TEXT NOT NULL,
    claw      TEXT NOT NULL,
    path      TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, claw, path)
);
