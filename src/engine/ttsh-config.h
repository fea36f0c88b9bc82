/* ttsh-config.h — the engine's key-file configuration (contract §7).
 *
 * Parsing is strict: unknown groups or keys, missing files and bad values are
 * errors, so an operator never runs on a configuration the engine misread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TTSH_CONFIG_ERROR (ttsh_config_error_quark ())

typedef enum {
  TTSH_CONFIG_ERROR_FILE,
  TTSH_CONFIG_ERROR_UNKNOWN_KEY,
  TTSH_CONFIG_ERROR_MISSING,
  TTSH_CONFIG_ERROR_VALUE,
} TtshConfigError;

typedef struct {
  char    *path;               /* the file itself, absolute */
  char    *dir;                /* its folder: base for relative paths */

  char    *centre_code;        /* [centre] code */
  char    *centre_name;        /* [centre] name */

  char    *c08_base_url;       /* [c08] base-url */
  char    *c08_username;
  char    *c08_password_file;  /* absolute */
  char    *c08_ca_file;        /* absolute or NULL */
  guint    c08_timeout;        /* seconds */
  guint    c08_batch_size;
  guint    c08_max_skew;       /* seconds; [c08] max-clock-skew, default 30 */

  char    *server_listen_host; /* [server] listen=host:port, NULL when no server */
  guint16  server_listen_port;
  char    *server_tls_cert;    /* absolute */
  char    *server_tls_key;     /* absolute */
  guint    server_token_lifetime;

  char    *database;           /* [storage] database, absolute */
} TtshConfig;

GQuark      ttsh_config_error_quark (void);
TtshConfig *ttsh_config_load        (const char  *path,
                                     GError     **error);
TtshConfig *ttsh_config_load_data   (const char  *data,
                                     const char  *dir,
                                     GError     **error);
char       *ttsh_config_read_c08_password (const TtshConfig *self,
                                           GError          **error);
void        ttsh_config_free        (TtshConfig  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshConfig, ttsh_config_free)

G_END_DECLS
