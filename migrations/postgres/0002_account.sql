-- My Account (issue 3): the durable outbox, one-time codes, single-use
-- links, known devices, and conversations with the web account manager.
-- Timestamps are Unix milliseconds (UTC) on both engines (ADR 0003).

-- Every e-mail and SMS, written in the same transaction as the change that
-- causes it (SPEC §9). The id is the idempotency key given to the peer.
CREATE TABLE outbox (
    id UUID PRIMARY KEY NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    login_id UUID,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- 6-digit codes (SPEC §4.1): one live code per login and purpose, stored
-- as an HMAC, with its target (the new address being verified).
CREATE TABLE one_time_codes (
    login_id UUID NOT NULL REFERENCES logins(id),
    purpose TEXT NOT NULL,
    target TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (login_id, purpose)
);

-- Single-use links (undo a contact change, set a first password, "this was
-- not me"): only the SHA-256 of the token is stored.
CREATE TABLE action_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    login_id UUID NOT NULL REFERENCES logins(id),
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX action_tokens_login ON action_tokens (login_id, purpose);

-- Browsers a login has signed in from (SPEC §3.3 new-device notice).
CREATE TABLE known_devices (
    login_id UUID NOT NULL REFERENCES logins(id),
    device_hash TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (login_id, device_hash)
);

-- "Contact my web account manager" (SPEC §6): one conversation per
-- customer login with the manager of its company.
CREATE TABLE wam_messages (
    id UUID PRIMARY KEY NOT NULL,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_login_id UUID NOT NULL REFERENCES logins(id),
    author_login_id UUID NOT NULL REFERENCES logins(id),
    from_staff BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX wam_messages_customer ON wam_messages (customer_login_id, created_at);
CREATE INDEX wam_messages_company ON wam_messages (company_id, created_at);
