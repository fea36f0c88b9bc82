/* test-jwt.c — HS256 tokens: a valid token round-trips, and every forgery or
 * clock problem the verifier must catch is refused with its own error. */
#include "config.h"

#include <string.h>

#include "ttsh-crypto.h"
#include "ttsh-jwt.h"
#include "ttsh-validate.h"

#define NOW 1795000000  /* 2026-11-18, injected clock */

static guint8 key[32];

static char *
b64url (const char *s)
{
  return ttsh_base64url_encode ((const guint8 *) s, strlen (s));
}

static char *
make_token (const char *header_json, const char *payload_json, const guint8 *k)
{
  g_autofree char *h = b64url (header_json);
  g_autofree char *p = b64url (payload_json);
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autofree char *sig = NULL;
  guint8 mac[32];

  ttsh_hmac_sha256 (k, 32, input, strlen (input), mac);
  sig = ttsh_base64url_encode (mac, 32);
  return g_strconcat (input, ".", sig, NULL);
}

static void
assert_refused (const char *token, gint64 now, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = ttsh_jwt_verify (key, sizeof key, token, now, &error);

  g_assert_null (claims);
  g_assert_error (error, TTSH_JWT_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = ttsh_jwt_sign (key, sizeof key, "sa-hinh-01", "EXAM_SA_HINH",
                                          "jti-1", NOW, NOW + 3600);
  g_autoptr(JsonObject) claims = ttsh_jwt_verify (key, sizeof key, token, NOW + 10, &error);
  gint64 exp = 0;

  g_assert_no_error (error);
  g_assert_nonnull (claims);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "sa-hinh-01");
  g_assert_cmpstr (json_object_get_string_member (claims, "role"), ==, "EXAM_SA_HINH");
  g_assert_cmpstr (json_object_get_string_member (claims, "jti"), ==, "jti-1");
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, NOW + 3600);
  g_assert_true (g_str_has_prefix (token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));

  g_assert_true (ttsh_jwt_peek_exp (token, &exp));
  g_assert_cmpint (exp, ==, NOW + 3600);
  g_assert_false (ttsh_jwt_peek_exp ("abc", &exp));
  g_assert_false (ttsh_jwt_peek_exp ("a.b.c", &exp));
}

static void
test_alg_none (void)
{
  const char *payload = "{\"sub\":\"x\",\"role\":\"C08_PUSH\",\"jti\":\"j\",\"iat\":1795000000,\"exp\":1795003600}";
  g_autofree char *h = b64url ("{\"alg\":\"none\",\"typ\":\"JWT\"}");
  g_autofree char *p = b64url (payload);
  g_autofree char *unsigned_token = g_strconcat (h, ".", p, ".", NULL);
  g_autofree char *signed_none = make_token ("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, key);
  g_autofree char *upper = make_token ("{\"alg\":\"NONE\"}", payload, key);
  g_autofree char *lower = make_token ("{\"alg\":\"hs256\"}", payload, key);

  assert_refused (unsigned_token, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (signed_none, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (upper, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (lower, NOW, TTSH_JWT_ERROR_ALGORITHM);
}

static void
test_alg_missing_or_other (void)
{
  const char *payload = "{\"sub\":\"x\",\"iat\":1795000000,\"exp\":1795003600}";
  g_autofree char *missing = make_token ("{\"typ\":\"JWT\"}", payload, key);
  g_autofree char *rs256 = make_token ("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload, key);
  g_autofree char *hs512 = make_token ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", payload, key);
  g_autofree char *not_string = make_token ("{\"alg\":[\"HS256\"]}", payload, key);
  g_autofree char *extra = make_token ("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"../../k\"}", payload, key);
  g_autofree char *bad_typ = make_token ("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", payload, key);
  g_autofree char *ok_no_typ = make_token ("{\"alg\":\"HS256\"}", payload, key);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;

  assert_refused (missing, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (rs256, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (hs512, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (not_string, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (extra, NOW, TTSH_JWT_ERROR_ALGORITHM);
  assert_refused (bad_typ, NOW, TTSH_JWT_ERROR_ALGORITHM);

  claims = ttsh_jwt_verify (key, sizeof key, ok_no_typ, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (claims);
}

static void
test_tampered (void)
{
  g_autofree char *token = ttsh_jwt_sign (key, sizeof key, "ly-thuyet", "EXAM_LY_THUYET",
                                          "jti-2", NOW, NOW + 3600);
  g_autofree char *forged_payload = NULL;
  g_autofree char *other_key_token = NULL;
  g_autofree char *truncated = NULL;
  g_autofree char *flipped = g_strdup (token);
  guint8 other[32];
  char *dot1 = strchr (token, '.');
  char *dot2 = strrchr (token, '.');
  gsize len = strlen (flipped);

  /* Last signature character changed. */
  flipped[len - 2] = flipped[len - 2] == 'A' ? 'B' : 'A';
  assert_refused (flipped, NOW, TTSH_JWT_ERROR_SIGNATURE);

  /* Payload changed to another role, original signature kept. */
  {
    g_autofree char *p = b64url ("{\"sub\":\"ly-thuyet\",\"role\":\"C08_PUSH\",\"jti\":\"jti-2\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795003600}");
    g_autofree char *head = g_strndup (token, dot1 - token);
    forged_payload = g_strconcat (head, ".", p, dot2, NULL);
    assert_refused (forged_payload, NOW, TTSH_JWT_ERROR_SIGNATURE);
  }

  /* Signed with a different key. */
  g_assert_true (ttsh_random_bytes (other, sizeof other));
  other_key_token = ttsh_jwt_sign (other, sizeof other, "ly-thuyet", "EXAM_LY_THUYET",
                                   "jti-2", NOW, NOW + 3600);
  assert_refused (other_key_token, NOW, TTSH_JWT_ERROR_SIGNATURE);

  /* Signature shortened by one character; signature removed. */
  truncated = g_strndup (token, len - 1);
  assert_refused (truncated, NOW, TTSH_JWT_ERROR_SIGNATURE);
  {
    g_autofree char *nosig = g_strndup (token, dot2 - token + 1);
    assert_refused (nosig, NOW, TTSH_JWT_ERROR_SIGNATURE);
  }
  /* Padding or a non-base64url character in the signature. */
  {
    g_autofree char *padded = g_strconcat (token, "=", NULL);
    assert_refused (padded, NOW, TTSH_JWT_ERROR_SIGNATURE);
  }
}

static void
test_malformed (void)
{
  g_autofree char *huge = g_strnfill (5000, 'a');
  g_autofree char *deep = NULL;
  g_autofree char *not_json = make_token ("{\"alg\":\"HS256\"}", "not json", key);
  g_autofree char *no_exp = make_token ("{\"alg\":\"HS256\"}", "{\"sub\":\"x\",\"iat\":1795000000}", key);
  g_autofree char *exp_string = make_token ("{\"alg\":\"HS256\"}", "{\"sub\":\"x\",\"exp\":\"1795003600\"}", key);
  g_autofree char *no_sub = make_token ("{\"alg\":\"HS256\"}", "{\"exp\":1795003600}", key);
  g_autofree char *array = make_token ("{\"alg\":\"HS256\"}", "[1]", key);
  GString *nest = g_string_new ("{\"alg\":\"HS256\",\"x\":");

  for (int i = 0; i < 2000; i++)
    g_string_append_c (nest, '[');
  deep = b64url (nest->str);
  g_string_free (nest, TRUE);

  assert_refused ("", NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused ("abc", NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused ("a.b", NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused ("a.b.c.d", NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused ("!!!.b.c", NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (huge, NOW, TTSH_JWT_ERROR_MALFORMED);
  {
    g_autofree char *t = g_strconcat (deep, ".e30.sig", NULL);
    assert_refused (t, NOW, TTSH_JWT_ERROR_MALFORMED);
  }
  assert_refused (not_json, NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (no_exp, NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (exp_string, NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (no_sub, NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (array, NOW, TTSH_JWT_ERROR_MALFORMED);
  assert_refused (NULL, NOW, TTSH_JWT_ERROR_MALFORMED);
}

static void
test_clock (void)
{
  g_autofree char *token = ttsh_jwt_sign (key, sizeof key, "duong-truong", "EXAM_DUONG_TRUONG",
                                          "jti-3", NOW, NOW + 600);
  g_autofree char *future_nbf = make_token ("{\"alg\":\"HS256\"}",
      "{\"sub\":\"x\",\"iat\":1795000000,\"nbf\":1795001000,\"exp\":1795003600}", key);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) within = NULL;

  /* Expired, including just past the leeway. */
  assert_refused (token, NOW + 600 + TTSH_JWT_LEEWAY_S, TTSH_JWT_ERROR_EXPIRED);
  assert_refused (token, NOW + 100000, TTSH_JWT_ERROR_EXPIRED);
  /* Still accepted inside the leeway after exp. */
  within = ttsh_jwt_verify (key, sizeof key, token, NOW + 600 + TTSH_JWT_LEEWAY_S - 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (within);
  g_clear_pointer (&within, json_object_unref);

  /* iat in the future (issuer's clock ahead, or forged). */
  assert_refused (token, NOW - TTSH_JWT_LEEWAY_S - 1, TTSH_JWT_ERROR_NOT_YET_VALID);
  within = ttsh_jwt_verify (key, sizeof key, token, NOW - TTSH_JWT_LEEWAY_S + 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (within);

  /* nbf in the future. */
  assert_refused (future_nbf, NOW, TTSH_JWT_ERROR_NOT_YET_VALID);
}

static void
test_base64url_strict (void)
{
  g_autoptr(GBytes) ok = ttsh_base64url_decode ("AQID", 4);
  g_autoptr(GBytes) ok2 = ttsh_base64url_decode ("AQ", 2);
  g_autoptr(GBytes) bits = ttsh_base64url_decode ("AR", 2);  /* trailing bits set */

  g_assert_nonnull (ok);
  g_assert_cmpuint (g_bytes_get_size (ok), ==, 3);
  g_assert_nonnull (ok2);
  g_assert_cmpuint (g_bytes_get_size (ok2), ==, 1);
  g_assert_null (bits);
  g_assert_null (ttsh_base64url_decode ("A", 1));
  g_assert_null (ttsh_base64url_decode ("AQ+/", 4));
  g_assert_null (ttsh_base64url_decode ("AQ==", 4));
  g_assert_null (ttsh_base64url_decode ("A Q=", 4));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_true (ttsh_random_bytes (key, sizeof key));

  g_test_add_func ("/jwt/round-trip", test_round_trip);
  g_test_add_func ("/jwt/alg-none", test_alg_none);
  g_test_add_func ("/jwt/alg-missing-or-other", test_alg_missing_or_other);
  g_test_add_func ("/jwt/tampered", test_tampered);
  g_test_add_func ("/jwt/malformed", test_malformed);
  g_test_add_func ("/jwt/clock", test_clock);
  g_test_add_func ("/jwt/base64url-strict", test_base64url_strict);
  return g_test_run ();
}
