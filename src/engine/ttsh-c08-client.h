/* ttsh-c08-client.h — HTTPS calls to C08 (contract §4), asynchronous.
 *
 * One SoupSession on the engine thread. Every answer is folded into one
 * TtshC08Reply whose `code` already applies the §2 rules (HTTP 401 → -1,
 * 429/503 → -8, other 5xx → -99, a body that is not an envelope → 0), so the
 * sender decides on one number; transport failures are flagged apart. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ttsh-config.h"

G_BEGIN_DECLS

typedef struct {
  guint      http_status;      /* 0 when no HTTP answer arrived */
  gboolean   transport_error;  /* timeout, refused, reset, TLS failure */
  int        code;             /* effective result code (§2, §3) */
  char      *message;          /* ThongTinXuLy, or the transport error text */
  char      *detail;           /* MoTaChiTietLoi or NULL */
  JsonNode  *data;             /* DuLieu or NULL */
  JsonNode  *extra;            /* ThongTinBoSung or NULL */
  gint64     sent_at;          /* local clock, ms */
  gint64     received_at;
} TtshC08Reply;

void ttsh_c08_reply_free (TtshC08Reply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshC08Reply, ttsh_c08_reply_free)

#define TTSH_TYPE_C08_CLIENT (ttsh_c08_client_get_type ())
G_DECLARE_FINAL_TYPE (TtshC08Client, ttsh_c08_client, TTSH, C08_CLIENT, GObject)

/* Uses [c08] base-url, ca-file and timeout. Fails on an unreadable CA. */
TtshC08Client *ttsh_c08_client_new        (const TtshConfig  *config,
                                           GError           **error);
void           ttsh_c08_client_set_token  (TtshC08Client     *self,
                                           const char        *token);
const char    *ttsh_c08_client_get_token  (TtshC08Client     *self);

/* @endpoint is one of the TTSH_EP_* paths; @query is appended after "?"
 * (already encoded) or NULL; @body NULL for GET. @with_token adds the
 * bearer header. Completes with a reply for every HTTP or transport
 * outcome; only cancellation completes with an error. */
void           ttsh_c08_client_call_async (TtshC08Client     *self,
                                           const char        *method,
                                           const char        *endpoint,
                                           const char        *query,
                                           GBytes            *body,
                                           gboolean           with_token,
                                           GCancellable      *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer           user_data);
TtshC08Reply  *ttsh_c08_client_call_finish (TtshC08Client    *self,
                                            GAsyncResult     *result,
                                            GError          **error);

/* Cancels everything in flight (engine stop). */
void           ttsh_c08_client_abort      (TtshC08Client     *self);

G_END_DECLS
