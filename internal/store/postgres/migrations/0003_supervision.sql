-- Supervision and tool policy: the audit log of supervision transitions and
-- operator actions, and tool calls waiting for an operator's approval.
CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    claw      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_claw ON audit (tenant_id, claw, id);

CREATE TABLE approvals (
    id           BIGSERIAL PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    claw         TEXT NOT NULL,
    run_id       BIGINT NOT NULL,
    event_id     BIGINT NOT NULL,
    tool_call_id TEXT NOT NULL,
    tool         TEXT NOT NULL,
    arguments    TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    decided_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    decided_at   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (run_id, tool_call_id)
);
CREATE INDEX approvals_tenant ON approvals (tenant_id, claw, id);
CREATE INDEX approvals_pending ON approvals (expires_at) WHERE status = 'pending';
