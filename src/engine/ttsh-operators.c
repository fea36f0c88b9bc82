/* ttsh-operators.c — operator accounts: creation, sign-in with lockout and a
 * TOTP second factor for administrators, and the role/permission table.
 * Every outcome of a sign-in is journaled, including refusals. */
#define G_LOG_DOMAIN "ttsh-operators"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ttsh-alarm.h"
#include "ttsh-journal.h"
#include "ttsh-operators.h"

#define TOTP_AAD "operator.totp"

struct _TtshOperator {
  GObject  parent_instance;
  gint64   id;
  char    *username;
  char    *full_name;
  char    *position;
  char    *role;
};

G_DEFINE_FINAL_TYPE (TtshOperator, ttsh_operator, G_TYPE_OBJECT)

G_DEFINE_QUARK (ttsh-operator-error-quark, ttsh_operator_error)

/* Permission table --------------------------------------------------------- */

static const char *const perm_names[TTSH_PERM_N] = {
  [TTSH_PERM_VIEW_SESSIONS]     = "VIEW_SESSIONS",
  [TTSH_PERM_VIEW_CITIZEN_ID]   = "VIEW_CITIZEN_ID",
  [TTSH_PERM_VIEW_MAP]          = "VIEW_MAP",
  [TTSH_PERM_VIEW_ERRORS]       = "VIEW_ERRORS",
  [TTSH_PERM_RESEND]            = "RESEND",
  [TTSH_PERM_MARK_HANDLED]      = "MARK_HANDLED",
  [TTSH_PERM_CANCEL_RESULT]     = "CANCEL_RESULT",
  [TTSH_PERM_ACK_ALARM]         = "ACK_ALARM",
  [TTSH_PERM_VIEW_AUDIT]        = "VIEW_AUDIT",
  [TTSH_PERM_EXPORT]            = "EXPORT",
  [TTSH_PERM_MANAGE_OPERATORS]  = "MANAGE_OPERATORS",
  [TTSH_PERM_RESUME_SENDING]    = "RESUME_SENDING",
};

/* Columns: supervisor, examiner, manager, administrator. Citizen IDs only for
 * those who check identities (examiners) or answer for the data (managers). */
static const gboolean perm_table[TTSH_PERM_N][4] = {
  /*                              GS     SHV    QL     QT  */
  [TTSH_PERM_VIEW_SESSIONS]    = { TRUE,  TRUE,  TRUE,  TRUE  },
  [TTSH_PERM_VIEW_CITIZEN_ID]  = { FALSE, TRUE,  TRUE,  FALSE },
  [TTSH_PERM_VIEW_MAP]         = { TRUE,  TRUE,  TRUE,  TRUE  },
  [TTSH_PERM_VIEW_ERRORS]      = { TRUE,  FALSE, TRUE,  TRUE  },
  [TTSH_PERM_RESEND]           = { FALSE, FALSE, TRUE,  TRUE  },
  [TTSH_PERM_MARK_HANDLED]     = { FALSE, FALSE, TRUE,  TRUE  },
  [TTSH_PERM_CANCEL_RESULT]    = { FALSE, TRUE,  FALSE, FALSE },
  [TTSH_PERM_ACK_ALARM]        = { TRUE,  FALSE, TRUE,  TRUE  },
  [TTSH_PERM_VIEW_AUDIT]       = { FALSE, FALSE, TRUE,  TRUE  },
  [TTSH_PERM_EXPORT]           = { FALSE, FALSE, TRUE,  TRUE  },
  [TTSH_PERM_MANAGE_OPERATORS] = { FALSE, FALSE, FALSE, TRUE  },
  [TTSH_PERM_RESUME_SENDING]   = { FALSE, FALSE, TRUE,  TRUE  },
};

static int
role_index (const char *role)
{
  static const char *const roles[] = {
    TTSH_OPERATOR_GIAM_SAT, TTSH_OPERATOR_SAT_HACH_VIEN, TTSH_OPERATOR_QUAN_LY, TTSH_OPERATOR_QUAN_TRI,
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (g_strcmp0 (role, roles[i]) == 0)
      return (int) i;
  return -1;
}

gboolean
ttsh_operator_role_is_valid (const char *role)
{
  return role_index (role) >= 0;
}

const char *
ttsh_operator_role_label (const char *role)
{
  switch (role_index (role))
    {
    case 0: return _("Supervisor");
    case 1: return _("Examiner");
    case 2: return _("Manager");
    case 3: return _("Administrator");
    default: return _("Unknown role");
    }
}

gboolean
ttsh_operator_role_needs_totp (const char *role)
{
  return g_strcmp0 (role, TTSH_OPERATOR_QUAN_TRI) == 0;
}

gboolean
ttsh_operator_can (const char     *role,
                   TtshPermission  perm)
{
  int r = role_index (role);

  if (r < 0 || (guint) perm >= TTSH_PERM_N)
    return FALSE;
  return perm_table[perm][r];
}

const char *
ttsh_permission_name (TtshPermission perm)
{
  return (guint) perm < TTSH_PERM_N ? perm_names[perm] : "UNKNOWN";
}

/* TtshOperator ------------------------------------------------------------- */

static void
ttsh_operator_finalize (GObject *object)
{
  TtshOperator *self = TTSH_OPERATOR (object);

  g_free (self->username);
  g_free (self->full_name);
  g_free (self->position);
  g_free (self->role);
  G_OBJECT_CLASS (ttsh_operator_parent_class)->finalize (object);
}

static void
ttsh_operator_class_init (TtshOperatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_operator_finalize;
}

static void
ttsh_operator_init (TtshOperator *self)
{
}

TtshOperator *
ttsh_operator_new (gint64      id,
                   const char *username,
                   const char *full_name,
                   const char *position,
                   const char *role)
{
  TtshOperator *self = g_object_new (TTSH_TYPE_OPERATOR, NULL);

  self->id = id;
  self->username = g_strdup (username);
  self->full_name = g_strdup (full_name);
  self->position = g_strdup (position ? position : "");
  self->role = g_strdup (role);
  return self;
}

gint64       ttsh_operator_get_id        (TtshOperator *self) { return self->id; }
const char  *ttsh_operator_get_username  (TtshOperator *self) { return self->username; }
const char  *ttsh_operator_get_full_name (TtshOperator *self) { return self->full_name; }
const char  *ttsh_operator_get_position  (TtshOperator *self) { return self->position; }
const char  *ttsh_operator_get_role      (TtshOperator *self) { return self->role; }

gboolean
ttsh_operator_has (TtshOperator   *self,
                   TtshPermission  perm)
{
  return self != NULL && ttsh_operator_can (self->role, perm);
}

/* TOTP --------------------------------------------------------------------- */

guint
ttsh_totp_code (const guint8 *secret,
                gsize         len,
                gint64        step)
{
  guint8 msg[8], mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  guint off, bin;

  for (int i = 7; i >= 0; i--, step >>= 8)
    msg[i] = (guint8) (step & 0xff);
  if (HMAC (EVP_sha1 (), secret, (int) len, msg, sizeof msg, mac, &mac_len) == NULL || mac_len < 20)
    g_error ("HMAC-SHA1 failed");
  off = mac[mac_len - 1] & 0x0f;
  bin = ((guint) (mac[off] & 0x7f) << 24) | ((guint) mac[off + 1] << 16) |
        ((guint) mac[off + 2] << 8) | mac[off + 3];
  return bin % 1000000;
}

GBytes *
ttsh_base32_decode (const char  *text,
                    GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint64 buffer = 0;
  int bits = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      int v;
      char c = g_ascii_toupper (*p);

      if (c == '=' || c == ' ' || c == '-' || c == '\n' || c == '\r' || c == '\t')
        continue;
      if (c >= 'A' && c <= 'Z')
        v = c - 'A';
      else if (c >= '2' && c <= '7')
        v = c - '2' + 26;
      else
        {
          g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                       _("the TOTP secret is not base32 (invalid character “%c”)"), *p);
          return NULL;
        }
      buffer = (buffer << 5) | (guint) v;
      bits += 5;
      if (bits >= 8)
        {
          guint8 byte = (guint8) ((buffer >> (bits - 8)) & 0xff);
          g_byte_array_append (out, &byte, 1);
          bits -= 8;
        }
    }
  /* RFC 4226 asks for at least 128 bits of shared secret. */
  if (out->len < 16)
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the TOTP secret is too short (at least 128 bits)"));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Store -------------------------------------------------------------------- */

static gboolean
username_is_valid (const char *username)
{
  gsize len = username ? strlen (username) : 0;

  if (len < 2 || len > 64)
    return FALSE;
  for (const char *p = username; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

gint64
ttsh_operators_add (TtshStore   *store,
                    const char  *username,
                    const char  *full_name,
                    const char  *position,
                    const char  *role,
                    const char  *password,
                    GBytes      *totp_secret,
                    const char  *actor,
                    GError     **error)
{
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  gint64 id;
  int rc;

  if (!username_is_valid (username))
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the username must have 2 to 64 letters, digits, “.”, “_” or “-”"));
      return 0;
    }
  if (full_name == NULL || !g_utf8_validate (full_name, -1, NULL) ||
      strspn (full_name, " \t") == strlen (full_name))
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the full name is required"));
      return 0;
    }
  if (!ttsh_operator_role_is_valid (role))
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the role must be one of GIAM_SAT, SAT_HACH_VIEN, QUAN_LY, QUAN_TRI"));
      return 0;
    }
  if (password == NULL || g_utf8_strlen (password, -1) < 8)
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the password must have at least 8 characters"));
      return 0;
    }
  if (ttsh_operator_role_needs_totp (role) && totp_secret == NULL)
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("administrators need a TOTP secret (second factor)"));
      return 0;
    }
  if (totp_secret != NULL && g_bytes_get_size (totp_secret) < 16)
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID,
                   _("the TOTP secret is too short (at least 128 bits)"));
      return 0;
    }

  hash = ttsh_password_hash (password);
  if (!ttsh_store_begin (store, error))
    return 0;
  stmt = ttsh_store_prepare (store,
      "INSERT INTO operator (username, full_name, position, role, pw_hash, totp_sealed, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, full_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, position ? position : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, role, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, hash, -1, SQLITE_STATIC);
  if (totp_secret != NULL)
    ttsh_store_bind_sealed (store, stmt, 6, g_bytes_get_data (totp_secret, NULL),
                            g_bytes_get_size (totp_secret), TOTP_AAD);
  else
    sqlite3_bind_null (stmt, 6);
  sqlite3_bind_int64 (stmt, 7, ttsh_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_EXISTS,
                   _("an operator named “%s” already exists"), username);
      goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      goto fail;
    }
  id = sqlite3_last_insert_rowid (ttsh_store_db (store));
  if (ttsh_journal_append (store, actor, "OPERATOR_ADDED", username, role, error) == 0)
    goto fail;
  if (!ttsh_store_commit (store, error))
    return 0;
  return id;

fail:
  ttsh_store_rollback (store);
  return 0;
}

/* Records a failure, locks at the limit (with an alarm: repeated failures are
 * the early sign of an intrusion the regulation asks to detect). */
static gboolean
record_failure (TtshStore   *store,
                gint64       id,
                const char  *username,
                const char  *reason,
                gint64       now_ms,
                GError     **error)
{
  sqlite3_stmt *stmt;
  int failures = 0;

  if (!ttsh_store_begin (store, error))
    return FALSE;
  if (id > 0)
    {
      stmt = ttsh_store_prepare (store,
          "UPDATE operator SET failed_logins = failed_logins + 1, "
          "locked_at = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_at END "
          "WHERE id = ?1 RETURNING failed_logins", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int (stmt, 2, TTSH_OPERATOR_MAX_FAILURES);
      sqlite3_bind_int64 (stmt, 3, now_ms);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        failures = sqlite3_column_int (stmt, 0);
      sqlite3_reset (stmt);
    }
  if (ttsh_journal_append (store, username, TTSH_JOURNAL_LOGIN_FAILED, username, reason, error) == 0)
    goto fail;
  if (failures == TTSH_OPERATOR_MAX_FAILURES)
    {
      g_autofree char *msg = g_strdup_printf (_("Operator account “%s” locked after %d failed sign-ins"),
                                              username, failures);
      if (ttsh_alarm_raise (store, TTSH_ALARM_OPERATOR_LOCKED, TTSH_ALARM_WARNING, username, msg, NULL, error) == 0)
        goto fail;
    }
  return ttsh_store_commit (store, error);

fail:
  ttsh_store_rollback (store);
  return FALSE;
}

static gboolean
fail_sign_in (TtshStore   *store,
              gint64       id,
              const char  *username,
              const char  *reason,
              gint64       now_ms,
              int          code,
              const char  *message,
              GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (!record_failure (store, id, username, reason, now_ms, &local))
    g_warning ("could not record a failed sign-in: %s", local->message);
  g_set_error_literal (error, TTSH_OPERATOR_ERROR, code, message);
  return FALSE;
}

/* Returns the matching step, or 0. ±1 step for clock drift; a step at or
 * before the last accepted one is a replay and does not match. */
static gint64
match_totp (GBytes      *secret,
            gint64       last_step,
            const char  *code,
            gint64       now_ms)
{
  gint64 step = now_ms / 1000 / TTSH_TOTP_STEP_S;
  gint64 found = 0;
  guint64 given;
  gsize len;
  const guint8 *key = g_bytes_get_data (secret, &len);
  char b[8];

  if (strlen (code) != 6 || !g_ascii_string_to_unsigned (code, 10, 0, 999999, &given, NULL))
    return 0;
  g_snprintf (b, sizeof b, "%06u", (guint) given);
  for (gint64 s = step - 1; s <= step + 1; s++)
    {
      char a[8];

      g_snprintf (a, sizeof a, "%06u", ttsh_totp_code (key, len, s));
      if (ttsh_const_equal (a, b, 6) && s > last_step && found == 0)
        found = s;
    }
  return found;
}

TtshOperator *
ttsh_operators_authenticate (TtshStore   *store,
                             const char  *username,
                             const char  *password,
                             const char  *totp_code,
                             gint64       now_ms,
                             GError     **error)
{
  /* Verified for unknown users too, so timing does not tell which exist. */
  static const char dummy_hash[] =
    "pbkdf2-sha256$120000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  g_autoptr(GError) local = NULL;
  g_autofree char *full_name = NULL, *position = NULL, *role = NULL, *pw_hash = NULL;
  sqlite3_stmt *stmt;
  gint64 id = 0, locked_at = 0;
  g_autoptr(GBytes) totp_secret = NULL;
  gint64 totp_last = 0, totp_step = 0;
  gboolean disabled = FALSE, has_totp = FALSE, ok;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT id, full_name, position, role, pw_hash, locked_at, disabled, totp_sealed, totp_last_step "
      "FROM operator WHERE username = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, username ? username : "", -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      full_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      position = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      role = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      pw_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      locked_at = sqlite3_column_int64 (stmt, 5);
      disabled = sqlite3_column_int (stmt, 6) != 0;
      has_totp = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
      totp_last = sqlite3_column_int64 (stmt, 8);
      if (has_totp)
        totp_secret = ttsh_store_column_unsealed (store, stmt, 7, TOTP_AAD, &local);
      if (local != NULL)
        g_warning ("cannot unseal the TOTP secret of %s: %s", username, local->message);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }

  ok = ttsh_password_verify (password ? password : "", pw_hash ? pw_hash : dummy_hash) && id > 0;

  if (id > 0 && locked_at > 0 && now_ms - locked_at < TTSH_OPERATOR_LOCK_MS)
    {
      fail_sign_in (store, 0, username, "locked", now_ms, TTSH_OPERATOR_ERROR_LOCKED,
                    _("This account is locked after too many failed sign-ins. Try again later or ask an administrator."),
                    error);
      return NULL;
    }
  if (id > 0 && disabled)
    {
      fail_sign_in (store, 0, username, "disabled", now_ms, TTSH_OPERATOR_ERROR_DISABLED,
                    _("This account is disabled."), error);
      return NULL;
    }
  if (!ok)
    {
      fail_sign_in (store, id, username ? username : "", id > 0 ? "password" : "unknown user", now_ms,
                    TTSH_OPERATOR_ERROR_BAD_CREDENTIALS, _("Wrong username or password."), error);
      return NULL;
    }
  if (ttsh_operator_role_needs_totp (role) || has_totp)
    {
      if (totp_code == NULL || *totp_code == '\0')
        {
          /* Not a failure: the password was right, the second step follows. */
          g_set_error_literal (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_REQUIRED,
                               _("Enter the 6-digit code from your authenticator app."));
          return NULL;
        }
      if (totp_secret != NULL)
        totp_step = match_totp (totp_secret, totp_last, totp_code, now_ms);
      if (totp_step == 0)
        {
          fail_sign_in (store, id, username, "totp", now_ms, TTSH_OPERATOR_ERROR_TOTP_INVALID,
                        _("The authentication code is wrong or was already used."), error);
          return NULL;
        }
    }

  if (!ttsh_store_begin (store, error))
    return NULL;
  stmt = ttsh_store_prepare (store,
      "UPDATE operator SET failed_logins = 0, locked_at = NULL, last_login_at = ?2, "
      "totp_last_step = max(totp_last_step, ?3) WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, now_ms);
  sqlite3_bind_int64 (stmt, 3, totp_step);
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;
  if (ttsh_journal_append (store, username, TTSH_JOURNAL_LOGIN, username, role, error) == 0)
    goto fail;
  if (!ttsh_store_commit (store, error))
    return NULL;
  return ttsh_operator_new (id, username, full_name, position, role);

fail:
  ttsh_store_rollback (store);
  return NULL;
}

gboolean
ttsh_operators_unlock (TtshStore   *store,
                       const char  *username,
                       const char  *actor,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  if (!ttsh_store_begin (store, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "UPDATE operator SET failed_logins = 0, locked_at = NULL WHERE username = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;
  if (sqlite3_changes (ttsh_store_db (store)) == 0)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND,
                   _("no operator named “%s”"), username);
      goto fail;
    }
  if (ttsh_journal_append (store, actor, "OPERATOR_UNLOCKED", username, "", error) == 0)
    goto fail;
  if (!ttsh_alarm_clear (store, TTSH_ALARM_OPERATOR_LOCKED, username, error))
    goto fail;
  return ttsh_store_commit (store, error);

fail:
  ttsh_store_rollback (store);
  return FALSE;
}

gboolean
ttsh_operators_check (TtshStore      *store,
                      TtshOperator   *op,
                      TtshPermission  perm,
                      const char     *subject,
                      GError        **error)
{
  g_autoptr(GError) local = NULL;

  if (ttsh_operator_has (op, perm))
    return TRUE;
  if (ttsh_journal_append (store, op ? op->username : "?", TTSH_JOURNAL_ACTION_REFUSED,
                           subject ? subject : "", ttsh_permission_name (perm), &local) == 0)
    g_warning ("could not journal a refused action: %s", local->message);
  g_set_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_REFUSED,
               _("Your role (%s) may not do this."),
               ttsh_operator_role_label (op ? op->role : NULL));
  return FALSE;
}
