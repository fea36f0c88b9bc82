-- 051_record_correction.sql — corrected re-submissions of records C08
-- rejected as invalid (-4, -6, -9): attendances, process records and the
-- closing records of results. The original rows and outbox records stay
-- exactly as received and sent; the correction becomes its own outbox record
-- (a new TransactionCode), found by the error queue as the correction of the
-- original. This table dedupes the program's own TransactionCode of a
-- correction, as the attendance, process_record and result tables do for
-- everything else.
CREATE TABLE record_correction (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  client_id     INTEGER NOT NULL REFERENCES api_client(id),
  source_code   TEXT NOT NULL,
  original_id   INTEGER NOT NULL REFERENCES outbox(id),
  outbox_id     INTEGER NOT NULL REFERENCES outbox(id),
  received_at   INTEGER NOT NULL,
  UNIQUE (client_id, source_code)
);
CREATE INDEX record_correction_original ON record_correction(original_id);
