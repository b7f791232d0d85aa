-- Core schema: tenants, tokens, claws with versioned specs, the mailbox
-- (events), runs and their steps, session transcripts, and the outbox.
-- Times are Unix microseconds (UTC).
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    admin      BOOLEAN NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE claws (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    state      TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    restarts   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE claw_versions (
    tenant_id  TEXT NOT NULL,
    claw       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    spec       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, claw, version)
);

CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    claw        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    session     TEXT NOT NULL,
    text        TEXT NOT NULL,
    status      TEXT NOT NULL,
    reply       TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    run_id      BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, claw, idem_key)
);
CREATE INDEX events_unfinished ON events (tenant_id, claw, id) WHERE status IN ('pending', 'running');

CREATE TABLE runs (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    claw          TEXT NOT NULL,
    event_id      BIGINT NOT NULL UNIQUE,
    session       TEXT NOT NULL,
    spec_version  BIGINT NOT NULL,
    status        TEXT NOT NULL,
    steps         BIGINT NOT NULL DEFAULT 0,
    input_tokens  BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    attempts      BIGINT NOT NULL DEFAULT 1,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX runs_claw ON runs (tenant_id, claw, id);

CREATE TABLE steps (
    tenant_id     TEXT NOT NULL,
    run_id        BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    tool_call_id  TEXT NOT NULL,
    status        TEXT NOT NULL,
    input_tokens  BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE messages (
    seq          BIGSERIAL PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    claw         TEXT NOT NULL,
    session      TEXT NOT NULL,
    event_id     BIGINT NOT NULL,
    role         TEXT NOT NULL,
    content      TEXT NOT NULL,
    tool_calls   TEXT NOT NULL DEFAULT '',
    tool_call_id TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX messages_session ON messages (tenant_id, claw, session, seq);

CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    claw       TEXT NOT NULL,
    event_id   BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    payload    BYTEA NOT NULL,
    status     TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_at    BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE status = 'pending';
