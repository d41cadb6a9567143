-- Recovery (issue 4): fixed-window counters for the forgotten password and
-- login forms, per typed identifier or address and per client address.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL
);
