-- 030_operator_totp_step.sql — the last TOTP step accepted per operator, so a
-- code that was already used cannot be replayed within its validity window.
ALTER TABLE operator ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
