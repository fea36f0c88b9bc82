-- 050_error_queue.sql — the error queue's own facts, beside the untouched records.
-- A record C08 rejected as invalid is never edited: the exam program submits a
-- corrected record, and this table links the original to it.
CREATE TABLE outbox_correction (
  outbox_id     INTEGER PRIMARY KEY REFERENCES outbox(id),
  corrected_by  INTEGER NOT NULL REFERENCES outbox(id),
  linked_at     INTEGER NOT NULL,
  operator      TEXT NOT NULL
);
CREATE INDEX outbox_correction_by ON outbox_correction(corrected_by);

-- Records held by a stop condition are listed in the queue while it lasts.
CREATE INDEX outbox_held ON outbox(last_code)
  WHERE state IN ('PENDING','INFLIGHT') AND last_code IN (-2, -3, -7, -10);

