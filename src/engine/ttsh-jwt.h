/* ttsh-jwt.h — HS256 JSON Web Tokens for the TTSH API (and c08-sim), and
 * reading `exp` from a token issued by someone else (C08).
 *
 * Verification accepts only {"alg":"HS256","typ":"JWT"}; exp, iat and nbf
 * are checked against an injectable clock with a small leeway; signatures
 * are compared in constant time. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TTSH_JWT_ERROR (ttsh_jwt_error_quark ())

typedef enum {
  TTSH_JWT_ERROR_MALFORMED,
  TTSH_JWT_ERROR_ALGORITHM,
  TTSH_JWT_ERROR_SIGNATURE,
  TTSH_JWT_ERROR_EXPIRED,
  TTSH_JWT_ERROR_NOT_YET_VALID,
} TtshJwtError;

#define TTSH_JWT_LEEWAY_S 30

GQuark      ttsh_jwt_error_quark (void);

/* Signs {"sub","role","jti","iat","nbf","exp"} with @key (≥ 32 bytes). */
char       *ttsh_jwt_sign   (const guint8 *key,
                             gsize         key_len,
                             const char   *subject,
                             const char   *role,
                             const char   *jti,
                             gint64        iat,        /* Unix seconds */
                             gint64        exp);

/* Verifies and returns the claims object (ref'd), or NULL with error. */
JsonObject *ttsh_jwt_verify (const guint8 *key,
                             gsize         key_len,
                             const char   *token,
                             gint64        now,        /* Unix seconds */
                             GError      **error);

/* Reads `exp` (Unix seconds) from a token's payload without verifying it. */
gboolean    ttsh_jwt_peek_exp (const char *token,
                               gint64     *exp);

G_END_DECLS
