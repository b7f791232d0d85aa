-- Tenancy: tokens get a public id, a role, an optional claw list, an
-- expiry and a revocation time; tenants get their limits (JSON). The
-- admin column stays for a node of the previous version (expand, then
-- contract).
ALTER TABLE tokens ADD COLUMN id TEXT;
ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE tokens ADD COLUMN claws TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET id = 'tok_' || substr(hash, 1, 16),
    role = CASE WHEN admin = 1 THEN 'admin' ELSE 'owner' END;
CREATE UNIQUE INDEX tokens_id ON tokens (id);
CREATE INDEX tokens_tenant ON tokens (tenant_id, created_at);

ALTER TABLE tenants ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
