/* ttsh-c08-client.c — the C08 HTTPS client: one session, async calls,
 * envelope parsing and the §2 mapping of HTTP statuses to result codes.
 * Runs on the engine thread; libsoup completes on its thread-default
 * context. */
#define G_LOG_DOMAIN "ttsh-c08"
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ttsh-c08-client.h"
#include "ttsh-store.h"
#include "ttsh-wire.h"

struct _TtshC08Client {
  GObject      parent_instance;
  SoupSession *session;
  char        *base_url;
  char        *token;
};

G_DEFINE_FINAL_TYPE (TtshC08Client, ttsh_c08_client, G_TYPE_OBJECT)

void
ttsh_c08_reply_free (TtshC08Reply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->message);
  g_free (reply->detail);
  g_clear_pointer (&reply->data, json_node_unref);
  g_clear_pointer (&reply->extra, json_node_unref);
  g_free (reply);
}

static void
ttsh_c08_client_finalize (GObject *object)
{
  TtshC08Client *self = TTSH_C08_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->base_url);
  g_free (self->token);
  G_OBJECT_CLASS (ttsh_c08_client_parent_class)->finalize (object);
}

static void
ttsh_c08_client_class_init (TtshC08ClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_c08_client_finalize;
}

static void
ttsh_c08_client_init (TtshC08Client *self)
{
}

TtshC08Client *
ttsh_c08_client_new (const TtshConfig  *config,
                     GError           **error)
{
  g_autoptr(TtshC08Client) self = g_object_new (TTSH_TYPE_C08_CLIENT, NULL);

  self->base_url = g_strdup (config->c08_base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->session = soup_session_new_with_options (
      "timeout", config->c08_timeout,
      "idle-timeout", 60,
      "max-conns-per-host", 8,
      "user-agent", "ttsh-engine/" PACKAGE_VERSION,
      NULL);
  if (config->c08_ca_file != NULL)
    {
      /* Trust only the configured CA for C08, not the system store. */
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (config->c08_ca_file, error);
      if (db == NULL)
        return NULL;
      soup_session_set_tls_database (self->session, db);
    }
  return g_steal_pointer (&self);
}

void
ttsh_c08_client_set_token (TtshC08Client *self,
                           const char    *token)
{
  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
ttsh_c08_client_get_token (TtshC08Client *self)
{
  return self->token;
}

void
ttsh_c08_client_abort (TtshC08Client *self)
{
  soup_session_abort (self->session);
}

/* Fills code/message/data from an envelope body; FALSE when it is not one. */
static gboolean
parse_envelope (TtshC08Reply *reply,
                GBytes       *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *env;
  JsonNode *code, *n;

  if (body == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   (gssize) g_bytes_get_size (body), NULL) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  env = json_node_get_object (json_parser_get_root (parser));
  code = json_object_get_member (env, TTSH_W_MA_KET_QUA);
  if (code == NULL || !JSON_NODE_HOLDS_VALUE (code) ||
      json_node_get_value_type (code) != G_TYPE_INT64)
    return FALSE;
  reply->code = (int) CLAMP (json_node_get_int (code), G_MININT, G_MAXINT);
  reply->message = g_strdup (json_object_get_string_member_with_default (env, TTSH_W_THONG_TIN_XU_LY, NULL));
  if ((n = json_object_get_member (env, TTSH_W_MO_TA_CHI_TIET_LOI)) && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING)
    reply->detail = g_strdup (json_node_get_string (n));
  if ((n = json_object_get_member (env, TTSH_W_DU_LIEU)) && !JSON_NODE_HOLDS_NULL (n))
    reply->data = json_node_copy (n);
  if ((n = json_object_get_member (env, TTSH_W_THONG_TIN_BO_SUNG)) && !JSON_NODE_HOLDS_NULL (n))
    reply->extra = json_node_copy (n);
  return TRUE;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  TtshC08Reply *reply = g_new0 (TtshC08Reply, 1);
  gboolean envelope;

  reply->sent_at = *(gint64 *) g_object_get_data (G_OBJECT (msg), "ttsh-sent-at");
  reply->received_at = ttsh_now_ms ();

  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          ttsh_c08_reply_free (reply);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      reply->transport_error = TRUE;
      reply->code = TTSH_CODE_GENERAL;
      reply->message = g_strdup (error->message);
      g_task_return_pointer (task, reply, (GDestroyNotify) ttsh_c08_reply_free);
      return;
    }

  reply->http_status = soup_message_get_status (msg);
  envelope = parse_envelope (reply, body);
  /* §2: the HTTP status wins over the body for these. */
  if (reply->http_status == 401)
    reply->code = TTSH_CODE_TOKEN_INVALID;
  else if (reply->http_status == 429 || reply->http_status == 503)
    reply->code = TTSH_CODE_BUSY;
  else if (reply->http_status >= 500)
    reply->code = TTSH_CODE_INTERNAL;
  else if (!envelope)
    {
      reply->code = TTSH_CODE_GENERAL;
      g_clear_pointer (&reply->data, json_node_unref);
      g_clear_pointer (&reply->extra, json_node_unref);
    }
  if (reply->message == NULL)
    reply->message = g_strdup_printf ("HTTP %u", reply->http_status);
  g_task_return_pointer (task, reply, (GDestroyNotify) ttsh_c08_reply_free);
}

void
ttsh_c08_client_call_async (TtshC08Client       *self,
                            const char          *method,
                            const char          *endpoint,
                            const char          *query,
                            GBytes              *body,
                            gboolean             with_token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *url = g_strconcat (self->base_url, endpoint, query ? "?" : NULL, query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;
  gint64 *sent_at;

  g_task_set_source_tag (task, ttsh_c08_client_call_async);
  if (msg == NULL)
    {
      TtshC08Reply *reply = g_new0 (TtshC08Reply, 1);
      reply->transport_error = TRUE;
      reply->code = TTSH_CODE_GENERAL;
      reply->message = g_strdup_printf ("invalid URL %s", url);
      g_task_return_pointer (task, reply, (GDestroyNotify) ttsh_c08_reply_free);
      return;
    }
  /* Every C08 call is safe to repeat (uploads dedupe by TransactionCode),
   * so let POSTs reuse kept-alive connections: otherwise libsoup opens a
   * new TLS connection for each batch. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (with_token && self->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  sent_at = g_new (gint64, 1);
  *sent_at = ttsh_now_ms ();
  g_object_set_data_full (G_OBJECT (msg), "ttsh-sent-at", sent_at, g_free);
  g_task_set_task_data (task, g_object_ref (msg), g_object_unref);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    send_cb, g_steal_pointer (&task));
}

TtshC08Reply *
ttsh_c08_client_call_finish (TtshC08Client  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
