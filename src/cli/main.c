/* main.c — ttsh-engine, the headless front end of the engine (contract §7).
 *
 * Subcommands: run, client add, status, audit verify. Exit 0 on success,
 * 2 on bad usage or configuration with a one-line reason, 1 when a check
 * (audit verify) finds a problem or the engine fails while running. */
#define G_LOG_DOMAIN "ttsh-cli"
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "ttsh-engine.h"
#include "ttsh-journal.h"
#include "ttsh-status.h"
#include "ttsh-clients.h"
#include "ttsh-operators.h"
#include "ttsh-sender.h"

#define EXIT_USAGE 2

static int
usage_error (const char *fmt,
             ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt,
             ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  /* One line: configuration errors may quote multi-line parser messages. */
  g_strdelimit (msg, "\n\r", ' ');
  g_printerr ("ttsh-engine: %s\n", msg);
  return EXIT_USAGE;
}

static TtshConfig *
load_config (const char  *path,
             int         *status)
{
  g_autoptr(GError) error = NULL;
  TtshConfig *config;

  if (path == NULL)
    {
      *status = usage_error (_("--config FILE is required"));
      return NULL;
    }
  config = ttsh_config_load (path, &error);
  if (config == NULL)
    *status = usage_error ("%s", error->message);
  return config;
}

static gboolean
parse_options (GOptionEntry   *entries,
               const char     *summary,
               int            *argc,
               char         ***argv,
               int            *status)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      *status = usage_error ("%s", error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      *status = usage_error (_("unexpected argument “%s”"), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/* run ---------------------------------------------------------------------- */

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static int
cmd_run (int    argc,
         char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean no_sender = FALSE, no_server = FALSE;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "no-sender", 0, 0, G_OPTION_ARG_NONE, &no_sender, N_("Do not send to C08"), NULL },
    { "no-server", 0, 0, G_OPTION_ARG_NONE, &no_server, N_("Do not listen for the TTSH API"), NULL },
    { NULL }
  };
  g_autoptr(TtshEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  TtshConfig *config;
  guint sigint, sigterm;
  int status = 0;

  if (!parse_options (entries, "run --config FILE", &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;

  engine = ttsh_engine_new (config,
                            (no_sender ? TTSH_ENGINE_NO_SENDER : 0) |
                            (no_server ? TTSH_ENGINE_NO_SERVER : 0));
  if (!ttsh_engine_start (engine, &error))
    {
      if (g_error_matches (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_LOCKED) ||
          error->domain == TTSH_CONFIG_ERROR)
        return usage_error ("%s", error->message);
      g_printerr ("ttsh-engine: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  g_message ("engine running for %s on %s", config->centre_code, config->database);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  g_message ("stopping");
  ttsh_engine_stop (engine);
  return 0;
}

/* client add ---------------------------------------------------------------- */

static int
cmd_client_add (int    argc,
                char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *role = NULL;
  gboolean password_stdin = FALSE;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Account name"), N_("NAME") },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("C08_PUSH, EXAM_LY_THUYET, EXAM_SA_HINH or EXAM_DUONG_TRUONG"), N_("ROLE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    { NULL }
  };
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) password = g_string_new (NULL);
  int status = 0, c;

  if (!parse_options (entries, "client add --config FILE --name NAME --role ROLE --password-stdin",
                      &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;
  if (name == NULL || *name == '\0')
    return usage_error (_("--name NAME is required"));
  if (role == NULL || !ttsh_client_role_is_valid (role))
    return usage_error (_("--role must be one of C08_PUSH, EXAM_LY_THUYET, EXAM_SA_HINH, EXAM_DUONG_TRUONG"));
  if (!password_stdin)
    return usage_error (_("--password-stdin is required (passwords are never taken on the command line)"));

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (password, (char) c);
  if (password->len > 0 && password->str[password->len - 1] == '\r')
    g_string_truncate (password, password->len - 1);
  if (password->len < 8)
    return usage_error (_("the password must have at least 8 characters"));

  store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
  if (store == NULL)
    return usage_error ("%s", error->message);
  if (!ttsh_clients_add (store, name, role, password->str, "cli", &error))
    {
      if (g_error_matches (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT))
        return usage_error (_("a client named “%s” already exists"), name);
      return usage_error ("%s", error->message);
    }
  memset (password->str, 0, password->len);
  g_print ("%s\n", name);
  return 0;
}

/* status ------------------------------------------------------------------- */

static int
cmd_status (int    argc,
            char **argv)
{
  g_autofree char *config_path = NULL;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { NULL }
  };
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  int status = 0;

  if (!parse_options (entries, "status --config FILE", &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;
  /* Opening read-write creates and migrates an empty database, so status on
   * a fresh installation prints zeros rather than failing. */
  store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
  if (store == NULL)
    return usage_error ("%s", error->message);
  node = ttsh_status_build (store, &error);
  if (node == NULL)
    {
      g_printerr ("ttsh-engine: %s\n", error->message);
      return 1;
    }
  text = json_to_string (node, TRUE);
  g_print ("%s\n", text);
  return 0;
}

/* audit verify ---------------------------------------------------------------- */

static int
cmd_audit_verify (int    argc,
                  char **argv)
{
  g_autofree char *config_path = NULL;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { NULL }
  };
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n = 0, bad = 0;
  int status = 0;

  if (!parse_options (entries, "audit verify --config FILE", &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;
  store = ttsh_store_open (config->database, TTSH_STORE_READ_ONLY, &error);
  if (store == NULL)
    return usage_error ("%s", error->message);
  if (!ttsh_journal_verify (store, &n, &bad, &error))
    {
      g_printerr ("ttsh-engine: %s\n", error->message);
      g_print ("BROKEN %" G_GINT64_FORMAT "\n", bad);
      return 1;
    }
  g_print (_("journal intact: %lld entries\n"), (long long) n);
  return 0;
}

/* operator add --------------------------------------------------------------- */

static int
cmd_operator_add (int    argc,
                  char **argv)
{
  g_autofree char *config_path = NULL, *username = NULL, *full_name = NULL;
  g_autofree char *position = NULL, *role = NULL, *totp_file = NULL;
  gboolean password_stdin = FALSE;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, N_("Sign-in name"), N_("NAME") },
    { "full-name", 0, 0, G_OPTION_ARG_STRING, &full_name, N_("Full name"), N_("NAME") },
    { "position", 0, 0, G_OPTION_ARG_STRING, &position, N_("Position at the centre"), N_("TEXT") },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("GIAM_SAT, SAT_HACH_VIEN, QUAN_LY or QUAN_TRI"), N_("ROLE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    { "totp-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &totp_file, N_("File with the base32 TOTP secret (required for QUAN_TRI)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) password = g_string_new (NULL);
  g_autoptr(GBytes) secret = NULL;
  int status = 0, c;

  if (!parse_options (entries, "operator add --config FILE --username U --full-name N --position P "
                      "--role R --password-stdin [--totp-secret-file F]", &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;
  if (username == NULL || *username == '\0')
    return usage_error (_("--username NAME is required"));
  if (full_name == NULL || *full_name == '\0')
    return usage_error (_("--full-name NAME is required"));
  if (role == NULL || !ttsh_operator_role_is_valid (role))
    return usage_error (_("--role must be one of GIAM_SAT, SAT_HACH_VIEN, QUAN_LY, QUAN_TRI"));
  if (!password_stdin)
    return usage_error (_("--password-stdin is required (passwords are never taken on the command line)"));
  if (totp_file != NULL)
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (totp_file, &text, NULL, &error))
        return usage_error ("%s", error->message);
      secret = ttsh_base32_decode (text, &error);
      if (secret == NULL)
        return usage_error ("%s", error->message);
    }
  else if (ttsh_operator_role_needs_totp (role))
    return usage_error (_("--totp-secret-file FILE is required for QUAN_TRI (second factor)"));

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (password, (char) c);
  if (password->len > 0 && password->str[password->len - 1] == '\r')
    g_string_truncate (password, password->len - 1);

  store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
  if (store == NULL)
    return usage_error ("%s", error->message);
  if (ttsh_operators_add (store, username, full_name, position, role, password->str,
                          secret, "cli", &error) == 0)
    {
      memset (password->str, 0, password->len);
      return usage_error ("%s", error->message);
    }
  memset (password->str, 0, password->len);
  g_print ("%s\n", username);
  return 0;
}

/* sending resume ---------------------------------------------------------------- */

static int
cmd_sending_resume (int    argc,
                    char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *operator_name = NULL;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "operator", 0, 0, G_OPTION_ARG_STRING, &operator_name, N_("Who fixed the cause (for the audit journal)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gboolean was_stopped = FALSE;
  int status = 0;

  if (!parse_options (entries, "sending resume --config FILE --operator NAME", &argc, &argv, &status))
    return status;
  config = load_config (config_path, &status);
  if (config == NULL)
    return status;
  if (operator_name == NULL || *operator_name == '\0')
    return usage_error (_("--operator NAME is required: the journal records who resumed sending"));
  store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
  if (store == NULL)
    return usage_error ("%s", error->message);
  if (!ttsh_sender_clear_stop (store, operator_name, &was_stopped, &error))
    {
      g_printerr ("ttsh-engine: %s\n", error->message);
      return 1;
    }
  g_print ("%s\n", was_stopped ? _("sending to C08 resumed") : _("sending to C08 was not stopped"));
  return 0;
}

static void
print_usage (void)
{
  g_printerr ("%s",
              _("Usage:\n"
                "  ttsh-engine run --config FILE\n"
                "  ttsh-engine client add --config FILE --name NAME --role ROLE --password-stdin\n"
                "  ttsh-engine operator add --config FILE --username U --full-name N --position P --role R --password-stdin [--totp-secret-file F]\n"
                "  ttsh-engine status --config FILE\n"
                "  ttsh-engine audit verify --config FILE\n"));
  g_printerr ("%s", _("  ttsh-engine sending resume --config FILE --operator NAME\n"));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage ();
      return EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "run"))
    return cmd_run (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "status"))
    return cmd_status (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "client") && argc >= 3 && g_str_equal (argv[2], "add"))
    return cmd_client_add (argc - 2, argv + 2);
  if (g_str_equal (argv[1], "operator") && argc >= 3 && g_str_equal (argv[2], "add"))
    return cmd_operator_add (argc - 2, argv + 2);
  if (g_str_equal (argv[1], "audit") && argc >= 3 && g_str_equal (argv[2], "verify"))
    return cmd_audit_verify (argc - 2, argv + 2);
  if (g_str_equal (argv[1], "sending") && argc >= 3 && g_str_equal (argv[2], "resume"))
    return cmd_sending_resume (argc - 2, argv + 2);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_usage ();
      return 0;
    }

  print_usage ();
  return usage_error (_("unknown command “%s”"), argv[1]);
}
