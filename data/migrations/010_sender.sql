-- 010_sender.sql — indexes the sender needs to pick due records in stream
-- order without scanning settled history.
-- Unsettled records by stream: "is a predecessor still open?" stays cheap
-- however long a stream's accepted history grows.
CREATE INDEX outbox_stream_unsettled ON outbox(stream, stream_seq)
  WHERE state IN ('PENDING','INFLIGHT');
-- Oldest unsent record (late alarm, status) without scanning the history.
CREATE INDEX outbox_unsettled_created ON outbox(created_at)
  WHERE state IN ('PENDING','INFLIGHT');
