/* test-config.c — the contract §7 key file: defaults, relative paths, and a
 * clear error for every kind of mistake. */
#include "config.h"

#include <string.h>

#include "ttsh-config.h"
#include "ttsh-test-util.h"

static void
test_config_valid (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *path = ttsh_test_write_config (dir,
      "[server]\nlisten=127.0.0.1:19443\ntls-cert=server.pem\ntls-key=/abs/server.key\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshConfig) config = ttsh_config_load (path, &error);
  g_autofree char *db = g_build_filename (dir, "data", "ttsh.db", NULL);
  g_autofree char *cert = g_build_filename (dir, "server.pem", NULL);
  g_autofree char *password = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (config->centre_code, ==, "TTSH-HN-01");
  g_assert_cmpstr (config->centre_name, ==, "Trung tâm sát hạch lái xe Hà Nội 1");
  g_assert_cmpstr (config->c08_base_url, ==, "https://127.0.0.1:18443/api/v1");
  g_assert_cmpuint (config->c08_timeout, ==, 75);
  g_assert_cmpuint (config->c08_batch_size, ==, 100);
  g_assert_cmpuint (config->server_token_lifetime, ==, 3600);
  g_assert_cmpstr (config->database, ==, db);
  g_assert_cmpstr (config->server_tls_cert, ==, cert);
  g_assert_cmpstr (config->server_tls_key, ==, "/abs/server.key");
  g_assert_cmpstr (config->server_listen_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->server_listen_port, ==, 19443);
  g_assert_null (config->c08_ca_file);

  password = ttsh_config_read_c08_password (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "secret-password");
  ttsh_test_rmdir (dir);
}

static void
test_config_inline_comment (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshConfig) config = ttsh_config_load_data (
      "[centre]\ncode=TTSH-HN-01\n[c08]\nbase-url=https://h/api/v1\nusername=u\n"
      "password-file=/etc/ttsh/c08.pass\nca-file=/etc/ttsh/c08-ca.pem        ; optional: trust only this CA for C08\n"
      "[storage]\ndatabase=/var/lib/ttsh/ttsh.db\n", "/etc/ttsh", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->c08_ca_file, ==, "/etc/ttsh/c08-ca.pem");
}

typedef struct {
  const char *text;
  int         code;
  const char *needle;
} BadCase;

static void
test_config_errors (void)
{
  static const BadCase cases[] = {
    { "[centre]\ncode=X\ncolour=blue\n", TTSH_CONFIG_ERROR_UNKNOWN_KEY, "colour" },
    { "[centre]\ncode=X\n[cache]\nsize=1\n", TTSH_CONFIG_ERROR_UNKNOWN_KEY, "[cache]" },
    { "[centre]\nname=X\n", TTSH_CONFIG_ERROR_MISSING, "code" },
    { "[centre]\ncode=X\n[c08]\nbase-url=http://insecure/api\n", TTSH_CONFIG_ERROR_VALUE, "https" },
    { "[centre]\ncode=X\n[c08]\ntimeout=abc\n", TTSH_CONFIG_ERROR_VALUE, "timeout" },
    { "[centre]\ncode=X\n[c08]\ntimeout=0\n", TTSH_CONFIG_ERROR_VALUE, "timeout" },
    { "[centre]\ncode=X\n[c08]\nbatch-size=-5\n", TTSH_CONFIG_ERROR_VALUE, "batch-size" },
    { "[centre]\ncode=X\n[server]\nlisten=nowhere\n", TTSH_CONFIG_ERROR_VALUE, "listen" },
    { "[centre]\ncode=X\n[server]\nlisten=127.0.0.1:70000\n", TTSH_CONFIG_ERROR_VALUE, "listen" },
    { "[centre]\ncode=\n", TTSH_CONFIG_ERROR_VALUE, "empty" },
    { "not a key file", TTSH_CONFIG_ERROR_FILE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TtshConfig) config = ttsh_config_load_data (cases[i].text, "/tmp", &error);

      g_assert_null (config);
      g_assert_error (error, TTSH_CONFIG_ERROR, cases[i].code);
      if (cases[i].needle)
        g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_config_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshConfig) config = ttsh_config_load ("/nonexistent/ttsh.conf", &error);

  g_assert_null (config);
  g_assert_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ttsh.conf"));
}

static void
test_config_server_needs_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshConfig) config = ttsh_config_load_data (
      "[centre]\ncode=X\n[c08]\nbase-url=https://h/a\nusername=u\npassword-file=p\n"
      "[server]\nlisten=127.0.0.1:1\n[storage]\ndatabase=d\n", "/tmp", &error);

  g_assert_null (config);
  g_assert_error (error, TTSH_CONFIG_ERROR, TTSH_CONFIG_ERROR_MISSING);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/valid", test_config_valid);
  g_test_add_func ("/config/inline-comment", test_config_inline_comment);
  g_test_add_func ("/config/errors", test_config_errors);
  g_test_add_func ("/config/missing-file", test_config_missing_file);
  g_test_add_func ("/config/server-needs-tls", test_config_server_needs_tls);
  return g_test_run ();
}
