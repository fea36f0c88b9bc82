-- 020_server.sql — what the TTSH API server needs beyond the initial schema.
-- payload_hash makes a repeated exam-session push recognisable as the same
-- roster (idempotent), distinct from a replacement.
ALTER TABLE exam_session ADD COLUMN payload_hash TEXT;
CREATE INDEX inbound_request_at ON inbound_request(at);
