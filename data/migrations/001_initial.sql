-- 001_initial.sql — the engine's schema.
-- Times: *_at INTEGER columns are Unix milliseconds (engine clock); *_time TEXT
-- columns keep the ISO 8601 text exactly as received on the wire. Columns
-- ending in _sealed hold AES-256-GCM blobs (personal data); *_hash columns
-- hold HMAC-SHA256 lookups of the clear values.

CREATE TABLE meta (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Exam sessions received from C08 (§5.1) ------------------------------------
CREATE TABLE exam_session (
  id               INTEGER PRIMARY KEY,
  code             TEXT NOT NULL UNIQUE,          -- MaKySatHach
  name             TEXT NOT NULL,                 -- TenKySatHach
  centre_code      TEXT NOT NULL,                 -- MaTTSH
  start_time       TEXT NOT NULL,                 -- ThoiGianBatDau
  end_time         TEXT NOT NULL,                 -- ThoiGianKetThuc
  decision_no      TEXT,                          -- SoQuyetDinh
  decision_date    TEXT,                          -- NgayQuyetDinh
  state            TEXT NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN','CLOSED')),
  received_at      INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  closed_at        INTEGER,
  revision         INTEGER NOT NULL DEFAULT 1     -- roster replacements (before any test)
);

CREATE TABLE council_member (
  id           INTEGER PRIMARY KEY,
  session_id   INTEGER NOT NULL REFERENCES exam_session(id) ON DELETE CASCADE,
  full_name    TEXT NOT NULL,
  position     TEXT,                              -- ChucVu
  role         TEXT NOT NULL CHECK (role IN ('CHU_TICH','PHO_CHU_TICH','THU_KY','SAT_HACH_VIEN')),
  cid_hash     TEXT,
  cid_sealed   BLOB
);
CREATE INDEX council_member_session ON council_member(session_id);

CREATE TABLE candidate (
  id             INTEGER PRIMARY KEY,
  session_id     INTEGER NOT NULL REFERENCES exam_session(id) ON DELETE CASCADE,
  reg_code       TEXT NOT NULL,                   -- MaDangKy
  full_name      TEXT NOT NULL,                   -- HoTen
  name_folded    TEXT NOT NULL,                   -- lower case, no diacritics: search
  cid_hash       TEXT NOT NULL,                   -- HMAC(SoCCCD)
  cid_sealed     BLOB NOT NULL,
  dob_sealed     BLOB NOT NULL,                   -- NgaySinh
  gender         TEXT NOT NULL CHECK (gender IN ('NAM','NU')),
  candidate_no   TEXT NOT NULL,                   -- SoBaoDanh
  licence_class  TEXT NOT NULL,                   -- HangSatHach
  photo_sealed   BLOB,                            -- AnhHocVien (decoded bytes)
  UNIQUE (session_id, reg_code),
  UNIQUE (session_id, candidate_no)
);
CREATE INDEX candidate_cid ON candidate(cid_hash);

-- One row per candidate and registered content, with its live state.
CREATE TABLE candidate_content (
  id             INTEGER PRIMARY KEY,
  candidate_id   INTEGER NOT NULL REFERENCES candidate(id) ON DELETE CASCADE,
  content        TEXT NOT NULL CHECK (content IN ('LY_THUYET','MO_PHONG','SA_HINH','DUONG_TRUONG')),
  state          TEXT NOT NULL DEFAULT 'WAITING'
                 CHECK (state IN ('WAITING','PRESENT','IN_TEST','PASSED','FAILED','ABSENT','CANCELLED')),
  attempt        INTEGER NOT NULL DEFAULT 0,
  score          REAL,
  result         TEXT CHECK (result IN ('DAT','KHONG_DAT')),
  updated_at     INTEGER NOT NULL,
  UNIQUE (candidate_id, content)
);

-- Inbound records from the exam programs (§5.2) --------------------------------
CREATE TABLE api_client (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  role           TEXT NOT NULL CHECK (role IN ('C08_PUSH','EXAM_LY_THUYET','EXAM_SA_HINH','EXAM_DUONG_TRUONG')),
  pw_hash        TEXT NOT NULL,
  failed_logins  INTEGER NOT NULL DEFAULT 0,
  locked_at      INTEGER,
  disabled       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  last_login_at  INTEGER
);

CREATE TABLE api_token (
  jti          TEXT PRIMARY KEY,
  client_id    INTEGER NOT NULL REFERENCES api_client(id),
  issued_at    INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked_at   INTEGER
) WITHOUT ROWID;

CREATE TABLE attendance (
  id                INTEGER PRIMARY KEY,
  candidate_id      INTEGER NOT NULL REFERENCES candidate(id),
  content           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('CO_MAT','VANG')),
  attendance_time   TEXT NOT NULL,                -- ThoiGianDiemDanh
  auth_method       TEXT CHECK (auth_method IN ('VNEID_QR','CCCD_CHIP','KHUON_MAT')),
  auth_result       TEXT CHECK (auth_result IN ('KHOP','KHONG_KHOP')),
  auth_code         TEXT,
  auth_time         TEXT,
  photo_sealed      BLOB,
  client_id         INTEGER NOT NULL REFERENCES api_client(id),
  source_code       TEXT NOT NULL,                -- the sender's TransactionCode
  outbox_id         INTEGER REFERENCES outbox(id),
  received_at       INTEGER NOT NULL,
  UNIQUE (client_id, source_code)
);
CREATE INDEX attendance_candidate ON attendance(candidate_id, content);

CREATE TABLE process_record (
  id                INTEGER PRIMARY KEY,
  candidate_id      INTEGER NOT NULL REFERENCES candidate(id),
  content           TEXT NOT NULL,
  attempt           INTEGER NOT NULL CHECK (attempt >= 1),     -- LanSatHach
  seq               INTEGER NOT NULL CHECK (seq >= 1),         -- SoThuTu
  state             TEXT NOT NULL CHECK (state IN ('BAT_DAU','DANG_THI','KET_THUC')),
  start_time        TEXT NOT NULL,
  end_time          TEXT,
  score             REAL,
  retest_reason     TEXT,
  result            TEXT CHECK (result IN ('DAT','KHONG_DAT')),
  events_json       TEXT NOT NULL DEFAULT '[]',  -- SuKien as received
  photo_sealed      BLOB,
  client_id         INTEGER NOT NULL REFERENCES api_client(id),
  source_code       TEXT NOT NULL,
  outbox_id         INTEGER REFERENCES outbox(id),
  received_at       INTEGER NOT NULL,
  UNIQUE (client_id, source_code),
  UNIQUE (candidate_id, content, attempt, seq)
);

CREATE TABLE gps_point (
  id            INTEGER PRIMARY KEY,
  process_id    INTEGER NOT NULL REFERENCES process_record(id),
  candidate_id  INTEGER NOT NULL REFERENCES candidate(id),
  attempt       INTEGER NOT NULL,
  point_time    TEXT NOT NULL,
  at            INTEGER NOT NULL,                  -- point_time as Unix ms, for ranges
  lat           REAL NOT NULL,
  lon           REAL NOT NULL,
  speed         REAL,
  heading       REAL,
  accuracy      REAL
);
CREATE INDEX gps_point_track ON gps_point(candidate_id, attempt, at);

CREATE TABLE result (
  id              INTEGER PRIMARY KEY,
  candidate_id    INTEGER NOT NULL REFERENCES candidate(id),
  content         TEXT NOT NULL,
  attempt         INTEGER NOT NULL CHECK (attempt >= 1),
  start_time      TEXT NOT NULL,
  end_time        TEXT NOT NULL,
  score           REAL NOT NULL,
  result          TEXT NOT NULL CHECK (result IN ('DAT','KHONG_DAT')),
  photo_sealed    BLOB,
  client_id       INTEGER NOT NULL REFERENCES api_client(id),
  source_code     TEXT NOT NULL,
  outbox_id       INTEGER REFERENCES outbox(id),
  received_at     INTEGER NOT NULL,
  UNIQUE (client_id, source_code),
  UNIQUE (candidate_id, content, attempt)
);

CREATE TABLE cancellation (
  id              INTEGER PRIMARY KEY,
  candidate_id    INTEGER NOT NULL REFERENCES candidate(id),
  content         TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  reason_code     TEXT NOT NULL,
  reason_text     TEXT NOT NULL CHECK (length(reason_text) >= 10),
  by_name         TEXT NOT NULL,
  by_position     TEXT NOT NULL,
  operator_id     INTEGER REFERENCES operator(id),
  cancel_time     TEXT NOT NULL,
  outbox_id       INTEGER REFERENCES outbox(id),
  created_at      INTEGER NOT NULL,
  UNIQUE (candidate_id, content, attempt)
);

-- Outbox to C08 (§4.3) --------------------------------------------------------
-- State machine: PENDING -> INFLIGHT -> ACCEPTED | PENDING (retry) | ERROR.
-- ERROR -> PENDING only by an operator's manual resend (same TransactionCode).
CREATE TABLE outbox (
  id                INTEGER PRIMARY KEY,
  transaction_code  TEXT NOT NULL UNIQUE,
  kind              TEXT NOT NULL CHECK (kind IN ('DIEM_DANH','QUA_TRINH','HUY_KET_QUA','TONG_HOP')),
  stream            TEXT NOT NULL,                -- ordering key: session/candidate/content
  stream_seq        INTEGER NOT NULL,             -- order within the stream
  session_code      TEXT,
  candidate_id      INTEGER REFERENCES candidate(id),
  payload_sealed    BLOB NOT NULL,                -- the exact JSON record sent, sealed
  payload_size      INTEGER NOT NULL,
  state             TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING','INFLIGHT','ACCEPTED','ERROR')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  last_code         INTEGER,
  last_message      TEXT,
  error_reason      TEXT,                         -- why it sits in the error queue
  created_at        INTEGER NOT NULL,
  first_sent_at     INTEGER,
  last_sent_at      INTEGER,
  accepted_at       INTEGER,
  first_error_at    INTEGER,
  last_error_at     INTEGER,
  errored_at        INTEGER,
  handled_at        INTEGER,
  updated_at        INTEGER NOT NULL,
  UNIQUE (stream, stream_seq)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at, id);
CREATE INDEX outbox_kind_state ON outbox(kind, state);
CREATE INDEX outbox_candidate ON outbox(candidate_id);

-- Every transition of every outbox record, with its reason.
CREATE TABLE outbox_event (
  id           INTEGER PRIMARY KEY,
  outbox_id    INTEGER NOT NULL REFERENCES outbox(id),
  at           INTEGER NOT NULL,
  from_state   TEXT,
  to_state     TEXT NOT NULL,
  code         INTEGER,
  message      TEXT,
  batch_id     TEXT,
  operator     TEXT
);
CREATE INDEX outbox_event_record ON outbox_event(outbox_id);

-- Inbound request log (TTSH API) ---------------------------------------------
CREATE TABLE inbound_request (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  client_id     INTEGER REFERENCES api_client(id),
  remote        TEXT,
  method        TEXT NOT NULL,
  path          TEXT NOT NULL,
  http_status   INTEGER NOT NULL,
  result_code   INTEGER NOT NULL,                 -- MaKetQua
  records       INTEGER NOT NULL DEFAULT 0,
  accepted      INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0,
  duration_us   INTEGER NOT NULL DEFAULT 0,
  message       TEXT
);
CREATE INDEX inbound_request_client ON inbound_request(client_id, at);

-- Operators of the console ---------------------------------------------------
CREATE TABLE operator (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL UNIQUE,
  full_name       TEXT NOT NULL,
  position        TEXT NOT NULL DEFAULT '',
  role            TEXT NOT NULL CHECK (role IN ('GIAM_SAT','SAT_HACH_VIEN','QUAN_LY','QUAN_TRI')),
  pw_hash         TEXT NOT NULL,
  totp_sealed     BLOB,                           -- TOTP secret (QUAN_TRI)
  failed_logins   INTEGER NOT NULL DEFAULT 0,
  locked_at       INTEGER,
  disabled        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  last_login_at   INTEGER
);

-- Alarms --------------------------------------------------------------------
CREATE TABLE alarm (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,                    -- e.g. C08_LOCKED, CLOCK_SKEW, LATE_RECORD
  severity      TEXT NOT NULL CHECK (severity IN ('INFO','WARNING','CRITICAL')),
  subject       TEXT NOT NULL DEFAULT '',         -- what it is about; one open alarm per kind+subject
  message       TEXT NOT NULL,
  raised_at     INTEGER NOT NULL,
  last_at       INTEGER NOT NULL,
  count         INTEGER NOT NULL DEFAULT 1,
  cleared_at    INTEGER,
  acked_at      INTEGER,
  acked_by      TEXT,
  ack_note      TEXT
);
CREATE UNIQUE INDEX alarm_open ON alarm(kind, subject) WHERE cleared_at IS NULL;

-- Audit journal: append only, HMAC-SHA256 chain --------------------------------
CREATE TABLE journal (
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  subject    TEXT NOT NULL DEFAULT '',
  detail     TEXT NOT NULL DEFAULT '',
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX journal_actor ON journal(actor, at);
CREATE INDEX journal_action ON journal(action, at);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
  BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
