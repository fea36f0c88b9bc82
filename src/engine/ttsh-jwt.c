/* ttsh-jwt.c — HS256 tokens of the TTSH API.
 *
 * Only one algorithm is ever accepted (the header is compared with an
 * allow-list, never trusted to choose), so "none" and RS256 confusion attacks
 * fail before any key is used. */
#define G_LOG_DOMAIN "ttsh-jwt"
#include "config.h"

#include <string.h>

#include "ttsh-crypto.h"
#include "ttsh-jwt.h"
#include "ttsh-validate.h"

/* Tokens we issue are ~300 bytes; anything much larger is hostile. */
#define TTSH_JWT_MAX_LEN 4096
#define TTSH_JWT_MIN_KEY 32

G_DEFINE_QUARK (ttsh-jwt-error-quark, ttsh_jwt_error)

static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

static char *
sign_input (const guint8 *key,
            gsize         key_len,
            const char   *input,
            gsize         input_len)
{
  guint8 mac[32];

  ttsh_hmac_sha256 (key, key_len, input, input_len, mac);
  return ttsh_base64url_encode (mac, sizeof mac);
}

char *
ttsh_jwt_sign (const guint8 *key,
               gsize         key_len,
               const char   *subject,
               const char   *role,
               const char   *jti,
               gint64        iat,
               gint64        exp)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *input = NULL;
  g_autofree char *sig = NULL;

  g_return_val_if_fail (key != NULL && key_len >= TTSH_JWT_MIN_KEY, NULL);
  g_return_val_if_fail (subject != NULL && role != NULL && jti != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sub");
  json_builder_add_string_value (b, subject);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role);
  json_builder_set_member_name (b, "jti");
  json_builder_add_string_value (b, jti);
  json_builder_set_member_name (b, "iat");
  json_builder_add_int_value (b, iat);
  json_builder_set_member_name (b, "nbf");
  json_builder_add_int_value (b, iat);
  json_builder_set_member_name (b, "exp");
  json_builder_add_int_value (b, exp);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  payload = json_to_string (root, FALSE);
  payload_b64 = ttsh_base64url_encode ((const guint8 *) payload, strlen (payload));
  input = g_strconcat (header_b64, ".", payload_b64, NULL);
  sig = sign_input (key, key_len, input, strlen (input));
  return g_strconcat (input, ".", sig, NULL);
}

/* Decodes one base64url part into a JSON object (shallow: claims are flat). */
static JsonObject *
decode_part (const char *part,
             gsize       len)
{
  g_autoptr(GBytes) bytes = ttsh_base64url_decode (part, len);
  g_autoptr(JsonNode) node = NULL;
  gsize size;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  if (size == 0 || !g_utf8_validate (data, size, NULL))
    return NULL;
  node = ttsh_json_parse_bounded (data, size, 2, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static gboolean
int_claim (JsonObject *claims,
           const char *name,
           gboolean    required,
           gint64     *out)
{
  JsonNode *n = json_object_get_member (claims, name);

  if (n == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
string_claim (JsonObject *claims,
              const char *name)
{
  JsonNode *n = json_object_get_member (claims, name);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
         json_node_get_value_type (n) == G_TYPE_STRING &&
         *json_node_get_string (n) != '\0';
}

JsonObject *
ttsh_jwt_verify (const guint8 *key,
                 gsize         key_len,
                 const char   *token,
                 gint64        now,
                 GError      **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *expected = NULL;
  const char *dot1, *dot2, *sig;
  gsize len;
  gint64 exp = 0, iat = 0, nbf = 0;

  g_return_val_if_fail (key != NULL && key_len >= TTSH_JWT_MIN_KEY, NULL);

  if (token == NULL || (len = strnlen (token, TTSH_JWT_MAX_LEN + 1)) > TTSH_JWT_MAX_LEN ||
      (dot1 = strchr (token, '.')) == NULL || (dot2 = strchr (dot1 + 1, '.')) == NULL ||
      strchr (dot2 + 1, '.') != NULL)
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_MALFORMED,
                           "Token không đúng định dạng JWT");
      return NULL;
    }
  sig = dot2 + 1;

  header = decode_part (token, dot1 - token);
  if (header == NULL)
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_MALFORMED,
                           "Phần đầu của token không đọc được");
      return NULL;
    }
  /* Allow-list: exactly HS256; typ, when present, must be JWT; nothing else. */
  {
    JsonNode *alg = json_object_get_member (header, "alg");
    JsonNode *typ = json_object_get_member (header, "typ");
    guint n = json_object_get_size (header);

    if (alg == NULL || !JSON_NODE_HOLDS_VALUE (alg) ||
        json_node_get_value_type (alg) != G_TYPE_STRING ||
        strcmp (json_node_get_string (alg), "HS256") != 0 ||
        (typ != NULL && (!JSON_NODE_HOLDS_VALUE (typ) ||
                         json_node_get_value_type (typ) != G_TYPE_STRING ||
                         strcmp (json_node_get_string (typ), "JWT") != 0)) ||
        n != (typ != NULL ? 2u : 1u))
      {
        g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_ALGORITHM,
                             "Thuật toán ký của token không được chấp nhận");
        return NULL;
      }
  }

  expected = sign_input (key, key_len, token, dot2 - token);
  if (strlen (sig) != strlen (expected) ||
      !ttsh_const_equal (sig, expected, strlen (expected)))
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_SIGNATURE,
                           "Chữ ký của token không hợp lệ");
      return NULL;
    }

  claims = decode_part (dot1 + 1, dot2 - dot1 - 1);
  if (claims == NULL || !int_claim (claims, "exp", TRUE, &exp) ||
      !int_claim (claims, "iat", FALSE, &iat) || !int_claim (claims, "nbf", FALSE, &nbf) ||
      !string_claim (claims, "sub"))
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_MALFORMED,
                           "Nội dung token thiếu hoặc sai thông tin bắt buộc");
      return NULL;
    }
  if (now >= exp + TTSH_JWT_LEEWAY_S)
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_EXPIRED,
                           "Token đã hết hạn");
      return NULL;
    }
  if ((json_object_has_member (claims, "iat") && iat > now + TTSH_JWT_LEEWAY_S) ||
      (json_object_has_member (claims, "nbf") && nbf > now + TTSH_JWT_LEEWAY_S))
    {
      g_set_error_literal (error, TTSH_JWT_ERROR, TTSH_JWT_ERROR_NOT_YET_VALID,
                           "Token chưa có hiệu lực");
      return NULL;
    }
  return g_steal_pointer (&claims);
}

gboolean
ttsh_jwt_peek_exp (const char *token,
                   gint64     *exp)
{
  g_autoptr(JsonObject) claims = NULL;
  const char *dot1, *dot2;
  gint64 value = 0;

  if (token == NULL || strnlen (token, TTSH_JWT_MAX_LEN + 1) > TTSH_JWT_MAX_LEN ||
      (dot1 = strchr (token, '.')) == NULL || (dot2 = strchr (dot1 + 1, '.')) == NULL)
    return FALSE;
  claims = decode_part (dot1 + 1, dot2 - dot1 - 1);
  if (claims == NULL || !int_claim (claims, "exp", TRUE, &value))
    return FALSE;
  if (exp)
    *exp = value;
  return TRUE;
}
