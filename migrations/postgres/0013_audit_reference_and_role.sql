-- The activity timeline (issue 16 item 17). Each audit event gets a short
-- reference that the person sees on its line and support can look up in
-- the back office (the last 12 hexadecimal digits of its id, which are
-- random in a UUIDv7), and the role under which someone else acted on a
-- login (support agent, web account manager, security manager, company
-- administrator), as it was when they acted.
ALTER TABLE audit_events ADD COLUMN reference TEXT;
ALTER TABLE audit_events ADD COLUMN actor_role TEXT;
UPDATE audit_events SET reference = upper(right(replace(id::text, '-', ''), 12));
CREATE INDEX audit_reference ON audit_events (reference);
