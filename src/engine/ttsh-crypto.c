/* ttsh-crypto.c — keyring, AES-256-GCM sealing, HMAC lookups, passwords.
 *
 * The key file is created with O_EXCL and mode 0600 on first run; a key file
 * with wider permissions or the wrong size is refused rather than used. */
#define G_LOG_DOMAIN "ttsh-crypto"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ttsh-crypto.h"

G_DEFINE_QUARK (ttsh-crypto-error-quark, ttsh_crypto_error)

#define NONCE_LEN 12
#define TAG_LEN 16
#define PBKDF2_ITER 120000

struct _TtshKeyring {
  guint8 keys[TTSH_KEY_N][TTSH_KEY_LEN];
};

static const char *purpose_labels[TTSH_KEY_N] = {
  "ttsh seal v1", "ttsh lookup v1", "ttsh journal v1", "ttsh token v1",
};

TtshKeyring *
ttsh_keyring_new_from_secret (const guint8 *secret,
                              gsize         len)
{
  TtshKeyring *self = g_new0 (TtshKeyring, 1);

  for (guint i = 0; i < TTSH_KEY_N; i++)
    ttsh_hmac_sha256 (secret, len, purpose_labels[i], strlen (purpose_labels[i]), self->keys[i]);
  return self;
}

TtshKeyring *
ttsh_keyring_load_or_create (const char  *path,
                             GError     **error)
{
  guint8 secret[TTSH_KEY_LEN];
  struct stat st;
  int fd;

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      gssize w;

      if (!ttsh_random_bytes (secret, sizeof secret))
        {
          close (fd);
          g_unlink (path);
          g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_FAILED,
                       _("the system random generator failed"));
          return NULL;
        }
      w = write (fd, secret, sizeof secret);
      if (w != (gssize) sizeof secret || fsync (fd) != 0)
        {
          int saved = errno;
          close (fd);
          g_unlink (path);
          g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE,
                       _("cannot write key file %s: %s"), path, g_strerror (saved));
          return NULL;
        }
      close (fd);
    }
  else if (errno == EEXIST)
    {
      gssize r;

      fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          int saved = errno;
          if (fd >= 0)
            close (fd);
          g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE,
                       _("cannot open key file %s: %s"), path, g_strerror (saved));
          return NULL;
        }
      if ((st.st_mode & 077) != 0)
        {
          close (fd);
          g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE,
                       _("key file %s is readable by others (mode %o); it must be 0600"),
                       path, (unsigned) (st.st_mode & 0777));
          return NULL;
        }
      r = read (fd, secret, sizeof secret);
      close (fd);
      if (r != (gssize) sizeof secret || st.st_size != (off_t) sizeof secret)
        {
          g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE,
                       _("key file %s is damaged (expected %u bytes)"), path, TTSH_KEY_LEN);
          return NULL;
        }
    }
  else
    {
      g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE,
                   _("cannot create key file %s: %s"), path, g_strerror (errno));
      return NULL;
    }

  {
    TtshKeyring *self = ttsh_keyring_new_from_secret (secret, sizeof secret);
    OPENSSL_cleanse (secret, sizeof secret);
    return self;
  }
}

void
ttsh_keyring_free (TtshKeyring *self)
{
  if (self == NULL)
    return;
  OPENSSL_cleanse (self, sizeof *self);
  g_free (self);
}

const guint8 *
ttsh_keyring_key (const TtshKeyring *self,
                  TtshKeyPurpose     purpose)
{
  g_return_val_if_fail (purpose < TTSH_KEY_N, NULL);
  return self->keys[purpose];
}

/* EVP_aes_256_gcm () and SHA256 () look the algorithm up in the provider
 * on every call, which costs more than sealing a record: fetch once. */
static const EVP_CIPHER *
aes_256_gcm (void)
{
  static gsize once = 0;
  static EVP_CIPHER *cipher;

  if (g_once_init_enter (&once))
    {
      cipher = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
      if (cipher == NULL)
        g_error ("AES-256-GCM unavailable");
      g_once_init_leave (&once, 1);
    }
  return cipher;
}

static const EVP_MD *
sha256_md (void)
{
  static gsize once = 0;
  static EVP_MD *md;

  if (g_once_init_enter (&once))
    {
      md = EVP_MD_fetch (NULL, "SHA256", NULL);
      if (md == NULL)
        g_error ("SHA-256 unavailable");
      g_once_init_leave (&once, 1);
    }
  return md;
}

GBytes *
ttsh_seal (const TtshKeyring *keys,
           const void        *data,
           gsize              len,
           const char        *aad)
{
  EVP_CIPHER_CTX *ctx;
  guint8 *out;
  int n = 0, fin = 0;

  g_return_val_if_fail (len < G_MAXINT - 64, NULL);

  out = g_malloc (1 + NONCE_LEN + len + TAG_LEN);
  out[0] = 'S';
  if (!ttsh_random_bytes (out + 1, NONCE_LEN))
    g_error ("RAND_bytes failed");

  ctx = EVP_CIPHER_CTX_new ();
  if (ctx == NULL ||
      EVP_EncryptInit_ex (ctx, aes_256_gcm (), NULL, ttsh_keyring_key (keys, TTSH_KEY_SEAL), out + 1) != 1 ||
      (aad != NULL && EVP_EncryptUpdate (ctx, NULL, &n, (const guint8 *) aad, (int) strlen (aad)) != 1) ||
      EVP_EncryptUpdate (ctx, out + 1 + NONCE_LEN, &n, data, (int) len) != 1 ||
      EVP_EncryptFinal_ex (ctx, out + 1 + NONCE_LEN + n, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + 1 + NONCE_LEN + len) != 1)
    g_error ("AES-256-GCM encryption failed");
  EVP_CIPHER_CTX_free (ctx);

  return g_bytes_new_take (out, 1 + NONCE_LEN + len + TAG_LEN);
}

GBytes *
ttsh_unseal (const TtshKeyring *keys,
             const void        *blob,
             gsize              len,
             const char        *aad,
             GError           **error)
{
  const guint8 *in = blob;
  EVP_CIPHER_CTX *ctx;
  guint8 *out;
  gsize clen;
  int n = 0, fin = 0;
  gboolean ok;

  if (len < 1 + NONCE_LEN + TAG_LEN || in[0] != 'S')
    {
      g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_TAMPERED,
                   _("sealed value is malformed"));
      return NULL;
    }
  clen = len - 1 - NONCE_LEN - TAG_LEN;
  out = g_malloc (clen + 1);

  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL &&
       EVP_DecryptInit_ex (ctx, aes_256_gcm (), NULL, ttsh_keyring_key (keys, TTSH_KEY_SEAL), in + 1) == 1 &&
       (aad == NULL || EVP_DecryptUpdate (ctx, NULL, &n, (const guint8 *) aad, (int) strlen (aad)) == 1) &&
       EVP_DecryptUpdate (ctx, out, &n, in + 1 + NONCE_LEN, (int) clen) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *) (in + 1 + NONCE_LEN + clen)) == 1 &&
       EVP_DecryptFinal_ex (ctx, out + n, &fin) == 1;
  EVP_CIPHER_CTX_free (ctx);

  if (!ok)
    {
      OPENSSL_cleanse (out, clen);
      g_free (out);
      g_set_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_TAMPERED,
                   _("sealed value failed authentication (wrong key or altered data)"));
      return NULL;
    }
  out[clen] = '\0';  /* convenient for text values; not counted in the size */
  return g_bytes_new_take (out, clen);
}

char *
ttsh_lookup_hash (const TtshKeyring *keys,
                  const char        *value)
{
  guint8 mac[32];

  ttsh_hmac_sha256 (ttsh_keyring_key (keys, TTSH_KEY_LOOKUP), TTSH_KEY_LEN,
                    value, strlen (value), mac);
  return ttsh_hex_encode (mac, sizeof mac);
}

void
ttsh_hmac_sha256 (const guint8 *key,
                  gsize         key_len,
                  const void   *data,
                  gsize         len,
                  guint8        out[32])
{
  static gsize template_once = 0;
  static EVP_MAC_CTX *template;
  EVP_MAC_CTX *ctx;
  size_t out_len = 0;

  /* HMAC() fetches the algorithm from the provider on every call, which
   * costs more than hashing a request's token or a journal entry: fetch
   * once, keep a context with the digest set, and copy it per call. */
  if (g_once_init_enter (&template_once))
    {
      EVP_MAC *mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0),
        OSSL_PARAM_construct_end (),
      };

      template = mac ? EVP_MAC_CTX_new (mac) : NULL;
      if (template == NULL || !EVP_MAC_CTX_set_params (template, params))
        g_error ("HMAC-SHA256 unavailable");
      EVP_MAC_free (mac);   /* the context keeps its own reference */
      g_once_init_leave (&template_once, 1);
    }
  ctx = EVP_MAC_CTX_dup (template);
  if (ctx == NULL ||
      !EVP_MAC_init (ctx, key, key_len, NULL) ||
      !EVP_MAC_update (ctx, data, len) ||
      !EVP_MAC_final (ctx, out, &out_len, 32) || out_len != 32)
    g_error ("HMAC-SHA256 failed");
  EVP_MAC_CTX_free (ctx);
}

void
ttsh_sha256 (const void *data,
             gsize       len,
             guint8      out[32])
{
  /* One context per thread, kept: EVP_Digest allocates and frees one per
   * call, which costs more than hashing a request's token. */
  static GPrivate ctx_key = G_PRIVATE_INIT ((GDestroyNotify) EVP_MD_CTX_free);
  EVP_MD_CTX *ctx = g_private_get (&ctx_key);

  if (ctx == NULL)
    {
      ctx = EVP_MD_CTX_new ();
      if (ctx == NULL)
        g_error ("SHA-256 unavailable");
      g_private_set (&ctx_key, ctx);
    }
  if (EVP_DigestInit_ex2 (ctx, sha256_md (), NULL) != 1 ||
      EVP_DigestUpdate (ctx, data, len) != 1 ||
      EVP_DigestFinal_ex (ctx, out, NULL) != 1)
    g_error ("SHA-256 failed");
}

gboolean
ttsh_random_bytes (guint8 *buf,
                   gsize   len)
{
  return RAND_bytes (buf, (int) len) == 1;
}

gboolean
ttsh_const_equal (const void *a,
                  const void *b,
                  gsize       len)
{
  return CRYPTO_memcmp (a, b, len) == 0;
}

char *
ttsh_hex_encode (const guint8 *data,
                 gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[len * 2] = '\0';
  return out;
}

char *
ttsh_password_hash (const char *password)
{
  guint8 salt[16], hash[32];
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;

  if (!ttsh_random_bytes (salt, sizeof salt))
    g_error ("RAND_bytes failed");
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, sizeof salt,
                         PBKDF2_ITER, EVP_sha256 (), sizeof hash, hash) != 1)
    g_error ("PBKDF2 failed");
  salt64 = g_base64_encode (salt, sizeof salt);
  hash64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", PBKDF2_ITER, salt64, hash64);
}

gboolean
ttsh_password_verify (const char *password,
                      const char *stored)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *expected = NULL;
  guint8 hash[32];
  gsize salt_len = 0, exp_len = 0;
  guint64 iter;

  if (password == NULL || stored == NULL)
    return FALSE;
  parts = g_strsplit (stored, "$", 0);
  if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], "pbkdf2-sha256") ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1000, 10000000, &iter, NULL))
    return FALSE;
  salt = g_base64_decode (parts[2], &salt_len);
  expected = g_base64_decode (parts[3], &exp_len);
  if (salt_len < 8 || exp_len != sizeof hash)
    return FALSE;
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, (int) salt_len,
                         (int) iter, EVP_sha256 (), sizeof hash, hash) != 1)
    return FALSE;
  return ttsh_const_equal (hash, expected, sizeof hash);
}
