/* ttsh-operators.h — local operator accounts of the console, their roles and
 * the one permission table every action is checked against.
 *
 * Administrators sign in with a second factor (TOTP, RFC 6238). Sign-ins,
 * failed sign-ins and refused actions are journaled here. */
#pragma once

#include <glib-object.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_OPERATOR_ERROR (ttsh_operator_error_quark ())

typedef enum {
  TTSH_OPERATOR_ERROR_INVALID,         /* bad username, role, password, secret */
  TTSH_OPERATOR_ERROR_EXISTS,
  TTSH_OPERATOR_ERROR_BAD_CREDENTIALS, /* unknown user or wrong password: same error */
  TTSH_OPERATOR_ERROR_LOCKED,
  TTSH_OPERATOR_ERROR_DISABLED,
  TTSH_OPERATOR_ERROR_TOTP_REQUIRED,   /* password right, second factor missing */
  TTSH_OPERATOR_ERROR_TOTP_INVALID,
  TTSH_OPERATOR_ERROR_REFUSED,         /* role may not do this */
} TtshOperatorError;

#define TTSH_OPERATOR_GIAM_SAT       "GIAM_SAT"        /* supervisor */
#define TTSH_OPERATOR_SAT_HACH_VIEN  "SAT_HACH_VIEN"   /* examiner */
#define TTSH_OPERATOR_QUAN_LY        "QUAN_LY"         /* manager */
#define TTSH_OPERATOR_QUAN_TRI       "QUAN_TRI"        /* administrator, TOTP required */

#define TTSH_OPERATOR_MAX_FAILURES   5                 /* consecutive, then locked */
#define TTSH_OPERATOR_LOCK_MS        (15 * 60 * 1000)  /* automatic unlock after */
#define TTSH_ALARM_OPERATOR_LOCKED   "OPERATOR_LOCKED"

/* Everything an operator may be allowed to do. Add new actions at the end and
 * give them a row in the table of ttsh-operators.c. */
typedef enum {
  TTSH_PERM_VIEW_SESSIONS,     /* sessions, roster, candidate detail, health bar */
  TTSH_PERM_VIEW_CITIZEN_ID,   /* unmasked citizen IDs and dates of birth */
  TTSH_PERM_VIEW_MAP,
  TTSH_PERM_VIEW_ERRORS,
  TTSH_PERM_RESEND,
  TTSH_PERM_MARK_HANDLED,
  TTSH_PERM_CANCEL_RESULT,
  TTSH_PERM_ACK_ALARM,
  TTSH_PERM_VIEW_AUDIT,
  TTSH_PERM_EXPORT,
  TTSH_PERM_MANAGE_OPERATORS,
  TTSH_PERM_RESUME_SENDING,    /* lift a stop C08 imposed (-2, -3, -7) */
  TTSH_PERM_N
} TtshPermission;

#define TTSH_TYPE_OPERATOR (ttsh_operator_get_type ())
G_DECLARE_FINAL_TYPE (TtshOperator, ttsh_operator, TTSH, OPERATOR, GObject)

GQuark        ttsh_operator_error_quark    (void);

gboolean      ttsh_operator_role_is_valid  (const char     *role);
const char   *ttsh_operator_role_label     (const char     *role);   /* translated */
gboolean      ttsh_operator_role_needs_totp (const char    *role);
gboolean      ttsh_operator_can            (const char     *role,
                                            TtshPermission  perm);
const char   *ttsh_permission_name         (TtshPermission  perm);   /* stable, journaled */

TtshOperator *ttsh_operator_new            (gint64          id,
                                            const char     *username,
                                            const char     *full_name,
                                            const char     *position,
                                            const char     *role);
gint64        ttsh_operator_get_id         (TtshOperator   *self);
const char   *ttsh_operator_get_username   (TtshOperator   *self);
const char   *ttsh_operator_get_full_name  (TtshOperator   *self);
const char   *ttsh_operator_get_position   (TtshOperator   *self);
const char   *ttsh_operator_get_role       (TtshOperator   *self);
gboolean      ttsh_operator_has            (TtshOperator   *self,
                                            TtshPermission  perm);

/* Store (engine thread). totp_secret is raw bytes (NULL unless the role
 * needs it); returns the new id or 0 with error. */
gint64        ttsh_operators_add           (TtshStore      *store,
                                            const char     *username,
                                            const char     *full_name,
                                            const char     *position,
                                            const char     *role,
                                            const char     *password,
                                            GBytes         *totp_secret,
                                            const char     *actor,
                                            GError        **error);
TtshOperator *ttsh_operators_authenticate  (TtshStore      *store,
                                            const char     *username,
                                            const char     *password,
                                            const char     *totp_code,  /* NULL or "" if none */
                                            gint64          now_ms,
                                            GError        **error);
gboolean      ttsh_operators_unlock        (TtshStore      *store,
                                            const char     *username,
                                            const char     *actor,
                                            GError        **error);
/* TRUE when allowed; otherwise journals ACTION_REFUSED and sets
 * TTSH_OPERATOR_ERROR_REFUSED. */
gboolean      ttsh_operators_check         (TtshStore      *store,
                                            TtshOperator   *op,
                                            TtshPermission  perm,
                                            const char     *subject,
                                            GError        **error);

/* TOTP (RFC 6238): HMAC-SHA1, 30 s steps, 6 digits. */
#define TTSH_TOTP_STEP_S  30
guint         ttsh_totp_code               (const guint8   *secret,
                                            gsize           len,
                                            gint64          step);
GBytes       *ttsh_base32_decode           (const char     *text,
                                            GError        **error);

G_END_DECLS
