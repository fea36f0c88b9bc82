/* ttsh-config.c — strict loader for the contract §7 key file.
 *
 * Every key the engine knows is listed in one table; anything else in the
 * file is rejected with the group and key named, as is any bad value. */
#define G_LOG_DOMAIN "ttsh-config"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "ttsh-config.h"

G_DEFINE_QUARK (ttsh-config-error-quark, ttsh_config_error)

typedef enum { K_STRING, K_PATH, K_UINT, K_URL, K_LISTEN } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType     type;
  gboolean    required;
  gsize       offset;
  guint       min;
  guint       max;
} KeySpec;

#define OFF(f) G_STRUCT_OFFSET (TtshConfig, f)

static const KeySpec keys[] = {
  { "centre",  "code",           K_STRING, TRUE,  OFF (centre_code), 0, 0 },
  { "centre",  "name",           K_STRING, FALSE, OFF (centre_name), 0, 0 },
  { "c08",     "base-url",       K_URL,    TRUE,  OFF (c08_base_url), 0, 0 },
  { "c08",     "username",       K_STRING, TRUE,  OFF (c08_username), 0, 0 },
  { "c08",     "password-file",  K_PATH,   TRUE,  OFF (c08_password_file), 0, 0 },
  { "c08",     "ca-file",        K_PATH,   FALSE, OFF (c08_ca_file), 0, 0 },
  { "c08",     "timeout",        K_UINT,   FALSE, OFF (c08_timeout), 1, 600 },
  { "c08",     "batch-size",     K_UINT,   FALSE, OFF (c08_batch_size), 1, 1000 },
  { "c08",     "max-clock-skew", K_UINT,   FALSE, OFF (c08_max_skew), 1, 3600 },
  { "server",  "listen",         K_LISTEN, FALSE, 0, 0, 0 },
  { "server",  "tls-cert",       K_PATH,   FALSE, OFF (server_tls_cert), 0, 0 },
  { "server",  "tls-key",        K_PATH,   FALSE, OFF (server_tls_key), 0, 0 },
  { "server",  "token-lifetime", K_UINT,   FALSE, OFF (server_token_lifetime), 60, 86400 },
  { "storage", "database",       K_PATH,   TRUE,  OFF (database), 0, 0 },
};

static const KeySpec *
find_key (const char *group,
          const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return &keys[i];
  return NULL;
}

static gboolean
known_group (const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group))
      return TRUE;
  return FALSE;
}

static char *
resolve_path (const char *dir,
              const char *value)
{
  if (g_path_is_absolute (value))
    return g_canonicalize_filename (value, NULL);
  return g_canonicalize_filename (value, dir);
}

static gboolean
parse_listen (TtshConfig  *self,
              const char  *value,
              GError     **error)
{
  const char *colon = strrchr (value, ':');
  guint64 port;
  char *end = NULL;

  if (colon == NULL || colon == value)
    goto bad;
  errno = 0;
  port = g_ascii_strtoull (colon + 1, &end, 10);
  if (errno != 0 || end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
    goto bad;
  self->server_listen_host = g_strndup (value, colon - value);
  if (self->server_listen_host[0] == '[')
    {
      gsize len = strlen (self->server_listen_host);
      if (len < 3 || self->server_listen_host[len - 1] != ']')
        goto bad;
      memmove (self->server_listen_host, self->server_listen_host + 1, len - 2);
      self->server_listen_host[len - 2] = '\0';
    }
  self->server_listen_port = (guint16) port;
  return TRUE;

bad:
  g_clear_pointer (&self->server_listen_host, g_free);
  g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
               _("[server] listen: “%s” is not HOST:PORT"), value);
  return FALSE;
}

static gboolean
apply_key (TtshConfig     *self,
           const KeySpec  *spec,
           GKeyFile       *kf,
           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *raw = g_key_file_get_string (kf, spec->group, spec->key, &local_error);
  char *value;

  if (raw == NULL)
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
                   _("[%s] %s: %s"), spec->group, spec->key, local_error->message);
      return FALSE;
    }
  /* The contract's sample file carries trailing "; comment" remarks, which
   * GKeyFile keeps as part of the value: cut them at whitespace + ';'. */
  for (char *p = raw; *p != '\0'; p++)
    if (*p == ';' && p > raw && g_ascii_isspace (p[-1]))
      {
        *p = '\0';
        break;
      }
  value = g_strstrip (raw);
  if (*value == '\0')
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
                   _("[%s] %s: empty value"), spec->group, spec->key);
      return FALSE;
    }

  switch (spec->type)
    {
    case K_STRING:
      *(char **) G_STRUCT_MEMBER_P (self, spec->offset) = g_strdup (value);
      return TRUE;

    case K_PATH:
      *(char **) G_STRUCT_MEMBER_P (self, spec->offset) = resolve_path (self->dir, value);
      return TRUE;

    case K_URL:
      if (!g_str_has_prefix (value, "https://") || !g_uri_is_valid (value, G_URI_FLAGS_NONE, NULL))
        {
          g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
                       _("[%s] %s: “%s” is not an https:// URL"), spec->group, spec->key, value);
          return FALSE;
        }
      /* Strip a trailing slash so endpoint paths join cleanly. */
      if (g_str_has_suffix (value, "/"))
        value[strlen (value) - 1] = '\0';
      *(char **) G_STRUCT_MEMBER_P (self, spec->offset) = g_strdup (value);
      return TRUE;

    case K_UINT:
      {
        guint64 v;
        if (!g_ascii_string_to_unsigned (value, 10, spec->min, spec->max, &v, NULL))
          {
            g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
                         _("[%s] %s: “%s” is not a whole number from %u to %u"),
                         spec->group, spec->key, value, spec->min, spec->max);
            return FALSE;
          }
        *(guint *) G_STRUCT_MEMBER_P (self, spec->offset) = (guint) v;
        return TRUE;
      }

    case K_LISTEN:
      return parse_listen (self, value, error);

    default:
      g_assert_not_reached ();
    }
}

static TtshConfig *
load_keyfile (GKeyFile    *kf,
              const char  *path,
              const char  *dir,
              GError     **error)
{
  g_autoptr(TtshConfig) self = g_new0 (TtshConfig, 1);
  g_auto(GStrv) groups = NULL;

  self->path = g_strdup (path);
  self->dir = g_strdup (dir);
  self->c08_timeout = 75;
  self->c08_batch_size = 100;
  self->c08_max_skew = 30;
  self->server_token_lifetime = 3600;

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) names = NULL;

      if (!known_group (groups[i]))
        {
          g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_UNKNOWN_KEY,
                       _("unknown group [%s]"), groups[i]);
          return NULL;
        }
      names = g_key_file_get_keys (kf, groups[i], NULL, NULL);
      for (guint j = 0; names[j] != NULL; j++)
        {
          const KeySpec *spec = find_key (groups[i], names[j]);

          if (spec == NULL)
            {
              g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_UNKNOWN_KEY,
                           _("[%s] %s: unknown key"), groups[i], names[j]);
              return NULL;
            }
          if (!apply_key (self, spec, kf, error))
            return NULL;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].required && !g_key_file_has_key (kf, keys[i].group, keys[i].key, NULL))
      {
        g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_MISSING,
                     _("[%s] %s is required"), keys[i].group, keys[i].key);
        return NULL;
      }

  if (self->server_listen_host != NULL &&
      (self->server_tls_cert == NULL || self->server_tls_key == NULL))
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_MISSING,
                   _("[server] listen needs tls-cert and tls-key"));
      return NULL;
    }

  return g_steal_pointer (&self);
}

TtshConfig *
ttsh_config_load (const char  *path,
                  GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  abs = g_canonicalize_filename (path, NULL);
  if (!g_key_file_load_from_file (kf, abs, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_FILE,
                   _("cannot read configuration %s: %s"), abs, local_error->message);
      return NULL;
    }
  dir = g_path_get_dirname (abs);
  return load_keyfile (kf, abs, dir, error);
}

TtshConfig *
ttsh_config_load_data (const char  *data,
                       const char  *dir,
                       GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_FILE,
                   _("cannot parse configuration: %s"), local_error->message);
      return NULL;
    }
  return load_keyfile (kf, NULL, dir, error);
}

char *
ttsh_config_read_c08_password (const TtshConfig  *self,
                               GError           **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (self->c08_password_file, &contents, NULL, &local_error))
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_FILE,
                   _("[c08] password-file: %s"), local_error->message);
      return NULL;
    }
  g_strchomp (contents);
  if (*contents == '\0')
    {
      g_set_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_VALUE,
                   _("[c08] password-file %s is empty"), self->c08_password_file);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

void
ttsh_config_free (TtshConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->dir);
  g_free (self->centre_code);
  g_free (self->centre_name);
  g_free (self->c08_base_url);
  g_free (self->c08_username);
  g_free (self->c08_password_file);
  g_free (self->c08_ca_file);
  g_free (self->server_listen_host);
  g_free (self->server_tls_cert);
  g_free (self->server_tls_key);
  g_free (self->database);
  g_free (self);
}
