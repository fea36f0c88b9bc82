-- 011_sender_pick.sql — the sender takes due records of one kind in id
-- order; this index gives it exactly that order without sorting the backlog.
CREATE INDEX outbox_pending_kind ON outbox(kind, id) WHERE state = 'PENDING';
