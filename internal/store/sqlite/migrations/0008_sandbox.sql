-- Sandbox: one slot per tenant, which gives the tenant's tool processes
-- their own host uid (internal/sandbox).
CREATE TABLE sandbox_slots (
    tenant_id TEXT PRIMARY KEY,
    slot      INTEGER NOT NULL UNIQUE
);
