/* fuzz-jwt.c — libFuzzer harness: arbitrary bytes as a bearer token must be
 * refused cleanly (or verify, if libFuzzer forges HMAC-SHA256: it cannot). */
#include "config.h"

#include <string.h>

#include "ttsh-jwt.h"
#include "ttsh-validate.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 key[32] = "ttsh-fuzz-key-0123456789abcdef!";
  g_autofree char *token = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) b64 = NULL;
  gint64 exp = 0;

  claims = ttsh_jwt_verify (key, sizeof key, token, 1795000000, &error);
  g_assert (claims == NULL || error == NULL);
  ttsh_jwt_peek_exp (token, &exp);
  b64 = ttsh_base64url_decode (token, strlen (token));
  g_clear_pointer (&b64, g_bytes_unref);
  b64 = ttsh_base64_decode_strict (token, strlen (token));
  return 0;
}
