-- The companion app (issue 6, SPEC §4.6). A linked device is an
-- auth_methods row of kind 'companion' (secret: its passkey and push
-- subscription, JSON). The device itself holds a random token in a
-- cookie; only its SHA-256 is stored here, to find its methods.
CREATE TABLE companion_devices (
    token_hash TEXT PRIMARY KEY NOT NULL,
    method_id BLOB NOT NULL,
    login_id BLOB NOT NULL REFERENCES logins(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX companion_devices_method ON companion_devices (method_id);

-- A request to approve a sign-in, step-up or reset on a device: the
-- number to match among three, who waits for it (the hash of a session or
-- of a reset link and its browser), answered once, two minutes to live.
CREATE TABLE push_requests (
    id BLOB PRIMARY KEY NOT NULL,
    login_id BLOB NOT NULL REFERENCES logins(id),
    method_id BLOB NOT NULL,
    waiter TEXT NOT NULL,
    session_hash TEXT,
    link_hash TEXT,
    purpose TEXT NOT NULL,
    number BIGINT NOT NULL,
    choices TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered_at BIGINT
);
CREATE INDEX push_requests_method ON push_requests (method_id, status);
CREATE INDEX push_requests_waiter ON push_requests (waiter, status);
