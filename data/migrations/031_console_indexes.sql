-- 031_console_indexes.sql — the console re-reads only roster rows changed
-- since its last read; these keep that query cheap with thousands of rows.
CREATE INDEX candidate_content_updated ON candidate_content(updated_at);
CREATE INDEX outbox_updated ON outbox(updated_at);
CREATE INDEX candidate_session ON candidate(session_id, candidate_no);
