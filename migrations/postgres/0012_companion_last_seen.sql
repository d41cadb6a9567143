-- When a linked phone was last seen (issue 26): it opened the companion
-- app, polled for requests or answered one. Written at most once a
-- minute. A phone not seen for long is named as such at the second step,
-- whose approval may never arrive (app removed, browser data cleared).
ALTER TABLE companion_devices ADD COLUMN last_seen_at BIGINT;
