-- Schedules (issue 4): each schedule of a claw (from its spec or made by
-- the claw) with its definition and its next fire, so that nothing is
-- computed only in memory; and one row per fired event, for retries and
-- the last result. Times are Unix microseconds (UTC); next_fire 0: none.
CREATE TABLE schedules (
    tenant_id   TEXT NOT NULL,
    claw        TEXT NOT NULL,
    name        TEXT NOT NULL,
    origin      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    def         TEXT NOT NULL,
    retries     BIGINT NOT NULL,
    paused      BOOLEAN NOT NULL DEFAULT FALSE,
    next_fire   BIGINT NOT NULL DEFAULT 0,
    fires       BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    last_fire   BIGINT NOT NULL DEFAULT 0,
    last_event  BIGINT NOT NULL DEFAULT 0,
    last_status TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, claw, name)
);
CREATE INDEX schedules_due ON schedules (next_fire) WHERE next_fire > 0;

CREATE TABLE schedule_fires (
    event_id    BIGINT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    claw        TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    fire_at     BIGINT NOT NULL,
    attempt     BIGINT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    retry_at    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX schedule_fires_schedule ON schedule_fires (tenant_id, claw, schedule, event_id);
CREATE INDEX schedule_fires_retry ON schedule_fires (retry_at) WHERE status = 'retrying';

-- A heartbeat stops after idle_after without an inbound message.
CREATE INDEX events_inbound ON events (tenant_id, claw, created_at) WHERE kind = 'message';
