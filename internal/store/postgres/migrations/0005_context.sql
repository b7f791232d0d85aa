-- Context and memory: session summaries (compactions and resets), and
-- long-term memories with a full-text index (english configuration).
CREATE TABLE session_summaries (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    claw        TEXT NOT NULL,
    session     TEXT NOT NULL,
    through_seq BIGINT NOT NULL,
    text        TEXT NOT NULL,
    run_id      BIGINT NOT NULL DEFAULT 0,
    reset       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX session_summaries_session ON session_summaries (tenant_id, claw, session, id);

CREATE TABLE memories (
    id         BIGSERIAL PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    claw       TEXT NOT NULL,
    text       TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    tsv        tsvector GENERATED ALWAYS AS (to_tsvector('english', text || ' ' || tags)) STORED
);
CREATE INDEX memories_claw ON memories (tenant_id, claw, source);
CREATE INDEX memories_tsv ON memories USING GIN (tsv);

CREATE TABLE memory_files (
    tenant_id TEXT NOT NULL,
    claw      TEXT NOT NULL,
    path      TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, claw, path)
);
