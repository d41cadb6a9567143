-- Lost second factor (SPEC §5): an assisted reset by the security manager
-- or support takes effect only after the company's waiting period, during
-- which the person is alerted on every channel and can cancel it.

-- The waiting period of the company, in seconds (24 hours by default).
ALTER TABLE companies ADD COLUMN factor_reset_wait BIGINT NOT NULL DEFAULT 86400;

-- One reset of a login's strong-authentication methods. status:
-- 'pending' until effective_at, then 'done'; or 'cancelled' by the person
-- (or by whoever asked) before that. At most one pending per login.
CREATE TABLE factor_resets (
    id BLOB PRIMARY KEY NOT NULL,
    login_id BLOB NOT NULL REFERENCES logins(id),
    requested_by BLOB NOT NULL REFERENCES logins(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'cancelled', 'done')),
    requested_at BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by BLOB REFERENCES logins(id)
);
CREATE INDEX factor_resets_login ON factor_resets (login_id);
CREATE UNIQUE INDEX factor_resets_one_pending ON factor_resets (login_id) WHERE status = 'pending';
CREATE INDEX factor_resets_due ON factor_resets (effective_at) WHERE status = 'pending';
