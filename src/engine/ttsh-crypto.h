/* ttsh-crypto.h — the engine's cryptographic primitives, all from OpenSSL.
 *
 * One installation key (32 random bytes, 0600 file beside the database)
 * derives separate subkeys for sealing personal data (AES-256-GCM), keyed
 * lookups (HMAC-SHA256), the audit journal chain and API tokens. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TTSH_CRYPTO_ERROR (ttsh_crypto_error_quark ())

typedef enum {
  TTSH_CRYPTO_ERROR_KEYFILE,
  TTSH_CRYPTO_ERROR_FAILED,
  TTSH_CRYPTO_ERROR_TAMPERED,
} TtshCryptoError;

#define TTSH_KEY_LEN 32

typedef enum {
  TTSH_KEY_SEAL,     /* AES-256-GCM for personal data at rest */
  TTSH_KEY_LOOKUP,   /* HMAC for citizen-ID lookups */
  TTSH_KEY_JOURNAL,  /* HMAC chain of the audit journal */
  TTSH_KEY_TOKEN,    /* HS256 secret of the TTSH API's JWTs */
  TTSH_KEY_N
} TtshKeyPurpose;

typedef struct _TtshKeyring TtshKeyring;

GQuark       ttsh_crypto_error_quark   (void);

TtshKeyring *ttsh_keyring_load_or_create (const char  *path,
                                          GError     **error);
TtshKeyring *ttsh_keyring_new_from_secret (const guint8 *secret,
                                           gsize         len);
void         ttsh_keyring_free           (TtshKeyring *self);
const guint8 *ttsh_keyring_key           (const TtshKeyring *self,
                                          TtshKeyPurpose     purpose);

/* Sealed blob layout: 'S' 1 | nonce 12 | ciphertext | tag 16. */
GBytes      *ttsh_seal          (const TtshKeyring *keys,
                                 const void        *data,
                                 gsize              len,
                                 const char        *aad);
GBytes      *ttsh_unseal        (const TtshKeyring *keys,
                                 const void        *blob,
                                 gsize              len,
                                 const char        *aad,
                                 GError           **error);
char        *ttsh_lookup_hash   (const TtshKeyring *keys,
                                 const char        *value);

void         ttsh_hmac_sha256   (const guint8 *key,
                                 gsize         key_len,
                                 const void   *data,
                                 gsize         len,
                                 guint8        out[32]);
void         ttsh_sha256        (const void *data,
                                 gsize       len,
                                 guint8      out[32]);
gboolean     ttsh_random_bytes  (guint8 *buf,
                                 gsize   len);
gboolean     ttsh_const_equal   (const void *a,
                                 const void *b,
                                 gsize       len);
char        *ttsh_hex_encode    (const guint8 *data,
                                 gsize         len);

/* Passwords: "pbkdf2-sha256$<iter>$<salt b64>$<hash b64>". */
char        *ttsh_password_hash   (const char *password);
gboolean     ttsh_password_verify (const char *password,
                                   const char *stored);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshKeyring, ttsh_keyring_free)

G_END_DECLS
