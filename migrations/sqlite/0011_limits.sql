-- Issue 15, item 4: a forgotten-password or forgotten-login form only
-- records the request here, the same work for every request; the delivery
-- worker takes it, looks the target up, and issues what is due. So the
-- answer's timing tells nothing about who exists.
CREATE TABLE recovery_requests (
    id BLOB PRIMARY KEY NOT NULL,
    form TEXT NOT NULL,
    typed TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX recovery_requests_created ON recovery_requests (created_at);
