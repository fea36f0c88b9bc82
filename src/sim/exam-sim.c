/* exam-sim.c — the centre's exam programs as TTSH API clients.
 *
 * `make-session` writes an approved exam session (§5.1) for the demo and the
 * tests; `push` sends one as C08 would; `run` plays the theory (with
 * simulation), yard and road programs: login, roster, attendance, process
 * stream and results, at real or accelerated speed, retrying per §3. */
#define G_LOG_DOMAIN "exam-sim"
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "exam-sim-data.h"
#include "ttsh-jwt.h"
#include "ttsh-server.h"
#include "ttsh-wire.h"

#define BATCH_MAX        100
/* Paths relative to --url (which ends in /ttsh/v1). */
#define PATH_ATTENDANCE (&TTSH_API_ATTENDANCE[sizeof TTSH_API_BASE - 1])
#define PATH_PROCESS (&TTSH_API_PROCESS[sizeof TTSH_API_BASE - 1])
#define PATH_RESULTS (&TTSH_API_RESULTS[sizeof TTSH_API_BASE - 1])
#define FLUSH_MS         250
#define BACKOFF_BASE_MS  500
#define BACKOFF_CAP_MS   10000
#define MAX_TRIES        12

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

static char *opt_url;
static char *opt_ca;
static char *opt_session;
static char *opt_program = (char *) "all";
static char *opt_user;
static char *opt_password_file;
static char *opt_centre = (char *) "TTSH-HN-01";
static double opt_speed = 1.0;
static gint opt_seed = 1;
static gint opt_seats = 40;
static gint opt_cars = 6;
static gint opt_vehicles = 6;
static double opt_absent = 0.05;
static gint opt_stream_interval = 5;
static gboolean opt_quiet;
/* make-session */
static char *opt_code;
static gint opt_candidates = 200;
static char *opt_out;
static char *opt_file;

static const GOptionEntry run_entries[] = {
  { "url", 0, 0, G_OPTION_ARG_STRING, &opt_url, "Base URL of the TTSH API", "https://127.0.0.1:19443/ttsh/v1" },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca, "Trust only this CA for the TTSH server", "FILE" },
  { "session", 0, 0, G_OPTION_ARG_STRING, &opt_session, "Exam session code (MaKySatHach)", "CODE" },
  { "program", 0, 0, G_OPTION_ARG_STRING, &opt_program, "LY_THUYET, SA_HINH, DUONG_TRUONG or all", "PROGRAM" },
  { "user", 0, 0, G_OPTION_ARG_STRING, &opt_user,
    "Account; with --program all: LY_THUYET=a,SA_HINH=b,DUONG_TRUONG=c", "USER" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "File holding the password", "FILE" },
  { "centre", 0, 0, G_OPTION_ARG_STRING, &opt_centre, "Centre code MaTTSH (default TTSH-HN-01)", "CODE" },
  { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_speed, "Time acceleration (1 = real time)", "FACTOR" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed of outcomes (absences, scores, faults)", "N" },
  { "seats", 0, 0, G_OPTION_ARG_INT, &opt_seats, "Theory room seats (default 40)", "N" },
  { "cars", 0, 0, G_OPTION_ARG_INT, &opt_cars, "Yard cars in use at once (default 6)", "N" },
  { "vehicles", 0, 0, G_OPTION_ARG_INT, &opt_vehicles, "Road test vehicles at once (default 6)", "N" },
  { "absent-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_absent, "Share of absent candidates (default 0.05)", "R" },
  { "stream-interval", 0, 0, G_OPTION_ARG_INT, &opt_stream_interval,
    "Road test: seconds of 1 Hz GPS per process record (default 5)", "S" },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "Only the final summary", NULL },
  { NULL }
};

static const GOptionEntry make_entries[] = {
  { "code", 0, 0, G_OPTION_ARG_STRING, &opt_code, "Exam session code (MaKySatHach)", "CODE" },
  { "centre", 0, 0, G_OPTION_ARG_STRING, &opt_centre, "Centre code MaTTSH", "CODE" },
  { "candidates", 0, 0, G_OPTION_ARG_INT, &opt_candidates, "Number of candidates (default 200)", "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed (same seed, same session)", "N" },
  { "out", 0, 0, G_OPTION_ARG_FILENAME, &opt_out, "Output file (JSON)", "FILE" },
  { NULL }
};

static const GOptionEntry push_entries[] = {
  { "url", 0, 0, G_OPTION_ARG_STRING, &opt_url, "Base URL of the TTSH API", "URL" },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca, "Trust only this CA", "FILE" },
  { "user", 0, 0, G_OPTION_ARG_STRING, &opt_user, "C08_PUSH account", "USER" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "File holding the password", "FILE" },
  { "file", 0, 0, G_OPTION_ARG_FILENAME, &opt_file, "Exam session JSON (from make-session)", "FILE" },
  { NULL }
};

static void
say (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format, ...)
{
  va_list args;

  if (opt_quiet)
    return;
  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

/* ------------------------------------------------------------------------ */
/* A program: one account, one FIFO of records, one request in flight       */

typedef struct _Program Program;

typedef struct {
  char       *path;      /* /attendance, /process, /results */
  JsonObject *record;
  int         tries;
} Pending;

typedef struct {
  GMainLoop   *loop;
  SoupSession *session;
  char        *password;
  JsonNode    *roster_all;
  GPtrArray   *programs;
  int          running;
  int          exit_status;
} Sim;

struct _Program {
  Sim        *sim;
  const char *content_role;   /* LY_THUYET, SA_HINH, DUONG_TRUONG */
  char       *user;
  char       *token;
  gint64      token_exp;
  /* One queue per endpoint, always drained in this order: attendance
   * before the process stream it allows, a KET_THUC before the result
   * that repeats it. Records enqueued later never overtake earlier ones. */
  GQueue      queues[3];      /* Pending*: attendance, process, results */
  GPtrArray  *inflight;       /* Pending* of the batch being sent */
  char       *inflight_path;
  guint       flush_id;
  gboolean    stopped;
  gboolean    relogged;
  int         tries;
  int         active;         /* tests in progress */
  int         next;           /* next candidate index to start */
  GPtrArray  *candidates;     /* JsonObject* (roster entries for the content) */
  GRand      *rand;
  /* counts */
  guint       sent, accepted, duplicates, refused, retries;
  guint       tests, passed, failed, absent;
  gboolean    done_playing;
  gboolean    split;          /* after -9: one record per request */
  gboolean    finished;
};

static void program_flush (Program *p);
static gboolean flush_cb (gpointer data);
static void program_maybe_finish (Program *p);

static void
pending_free (Pending *pd)
{
  g_free (pd->path);
  json_object_unref (pd->record);
  g_free (pd);
}

static guint
ms_sim (double sim_seconds)
{
  double ms = sim_seconds * 1000.0 / opt_speed;
  return ms < 1 ? 1 : (guint) ms;
}

static gint64 tx_seq;

static char *
new_tx (Program *p, const char *kind)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y%m%d");
  return g_strdup_printf ("%s-%s-%s-%s-%" G_GINT64_FORMAT "-%06" G_GINT64_FORMAT,
                          opt_centre, day, p->content_role, kind, g_get_real_time () / 1000000 % 100000, ++tx_seq);
}

static guint
queue_index (const char *path)
{
  if (g_str_equal (path, PATH_ATTENDANCE))
    return 0;
  if (g_str_equal (path, PATH_PROCESS))
    return 1;
  return 2;
}

static guint
queued (Program *p)
{
  return p->queues[0].length + p->queues[1].length + p->queues[2].length;
}

static GQueue *
next_queue (Program *p)
{
  for (guint i = 0; i < 3; i++)
    if (!g_queue_is_empty (&p->queues[i]))
      return &p->queues[i];
  return NULL;
}

static void
enqueue (Program *p, const char *path, JsonObject *record)
{
  Pending *pd = g_new0 (Pending, 1);

  pd->path = g_strdup (path);
  pd->record = record;
  g_queue_push_tail (&p->queues[queue_index (path)], pd);
  if (p->flush_id == 0 && p->inflight == NULL)
    p->flush_id = g_timeout_add (FLUSH_MS, flush_cb, p);
}

static JsonNode *
parse_reply (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (bytes == NULL || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                                    g_bytes_get_size (bytes), NULL))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

static SoupMessage *
new_message (Program *p, const char *method, const char *path, const char *body)
{
  g_autofree char *url = g_strconcat (opt_url, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (p && p->token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", p->token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      /* Uploads are safe to repeat (a TransactionCode already received
       * answers -5, counted as accepted), so a POST may reuse a kept-alive
       * connection instead of a new TLS handshake per record. */
      soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
    }
  if (body)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  return msg;
}

/* Blocking login: done before a program starts and on -1 (rare). */
static gboolean program_login_once (Program *p, gboolean *busy, GError **error);

/* §3: a busy TTSH (-8, 429, 503) or a lost connection is waited out with
 * backoff; wrong credentials or a locked account are not retried. */
typedef gboolean (*Once) (Program *p, gboolean *busy, GError **error);

static gboolean
retry_while_busy (Program *p, Once once, GError **error)
{
  for (int attempt = 0;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      gboolean busy = FALSE;

      if (once (p, &busy, &local))
        return TRUE;
      if (!busy || attempt >= 8)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      say ("  %s: %s; retrying", p->content_role, local->message);
      g_usleep ((gulong) MIN (BACKOFF_BASE_MS << attempt, BACKOFF_CAP_MS) * 1000);
    }
}

static gboolean
program_login (Program *p, GError **error)
{
  return retry_while_busy (p, program_login_once, error);
}

static gboolean
program_login_once (Program *p, gboolean *busy, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *text = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonNode) env = NULL;
  JsonObject *o;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_TEN_DANG_NHAP);
  json_builder_add_string_value (b, p->user);
  json_builder_set_member_name (b, TTSH_W_MAT_KHAU);
  json_builder_add_string_value (b, p->sim->password);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  text = json_to_string (body, FALSE);
  g_clear_pointer (&p->token, g_free);
  msg = new_message (NULL, "POST", TTSH_EP_LOGIN, text);
  reply = soup_session_send_and_read (p->sim->session, msg, NULL, error);
  if (reply == NULL)
    {
      *busy = TRUE;
      return FALSE;
    }
  env = parse_reply (reply);
  if (env == NULL)
    {
      *busy = soup_message_get_status (msg) >= 500;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "login: HTTP %u, not an envelope",
                   soup_message_get_status (msg));
      return FALSE;
    }
  o = json_node_get_object (env);
  if (json_object_get_int_member_with_default (o, TTSH_W_MA_KET_QUA, 0) != 1)
    {
      gint64 code = json_object_get_int_member_with_default (o, TTSH_W_MA_KET_QUA, 0);
      *busy = code == TTSH_CODE_BUSY || code == TTSH_CODE_INTERNAL || code == TTSH_CODE_GENERAL;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "login %s: %" G_GINT64_FORMAT " %s",
                   p->user, json_object_get_int_member_with_default (o, TTSH_W_MA_KET_QUA, 0),
                   json_object_get_string_member_with_default (o, TTSH_W_THONG_TIN_XU_LY, ""));
      return FALSE;
    }
  p->token = g_strdup (json_object_get_string_member (json_object_get_object_member (o, TTSH_W_DU_LIEU),
                                                      TTSH_W_ACCESS_TOKEN));
  if (!ttsh_jwt_peek_exp (p->token, &p->token_exp))
    p->token_exp = 0;
  return TRUE;
}

static void
program_stop (Program *p, const char *why)
{
  if (p->stopped)
    return;
  p->stopped = TRUE;
  g_printerr ("exam-sim: %s stopped: %s\n", p->content_role, why);
  p->sim->exit_status = 1;
  program_maybe_finish (p);
}

static void
requeue_inflight_front (Program *p)
{
  for (guint i = p->inflight->len; i > 0; i--)
    {
      Pending *pd = g_ptr_array_steal_index (p->inflight, i - 1);
      g_queue_push_head (&p->queues[queue_index (pd->path)], pd);
    }
  g_clear_pointer (&p->inflight, g_ptr_array_unref);
  g_clear_pointer (&p->inflight_path, g_free);
}

static void
schedule_flush (Program *p, guint ms)
{
  if (p->flush_id == 0)
    p->flush_id = g_timeout_add (ms, flush_cb, p);
}

static guint
backoff_ms (Program *p)
{
  guint ms = BACKOFF_BASE_MS << MIN (p->tries, 5);
  ms = MIN (ms, BACKOFF_CAP_MS);
  return ms / 2 + g_rand_int_range (p->rand, 0, ms / 2 + 1);
}

static void
retry_later (Program *p, const char *why)
{
  p->retries++;
  p->tries++;
  requeue_inflight_front (p);
  if (p->tries > MAX_TRIES)
    {
      program_stop (p, why);
      return;
    }
  say ("  %s: %s; retry %d", p->content_role, why, p->tries);
  schedule_flush (p, backoff_ms (p));
}

static void
sent_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  Program *p = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  g_autoptr(JsonNode) env = NULL;
  guint status;
  int code;
  JsonObject *o;

  status = msg ? soup_message_get_status (msg) : 0;
  if (reply == NULL)
    {
      g_autofree char *why = g_strdup_printf ("transport error: %s", error->message);
      retry_later (p, why);
      return;
    }
  env = parse_reply (reply);
  if (env == NULL)
    {
      g_autofree char *why = g_strdup_printf ("HTTP %u without an envelope", status);
      retry_later (p, why);
      return;
    }
  o = json_node_get_object (env);
  code = (int) json_object_get_int_member_with_default (o, TTSH_W_MA_KET_QUA, 0);
  if (status == 401)
    code = TTSH_CODE_TOKEN_INVALID;
  else if (status == 429 || status == 503)
    code = TTSH_CODE_BUSY;

  switch (code)
    {
    case TTSH_CODE_OK:
      {
        JsonArray *list = json_object_get_array_member (json_object_get_object_member (o, TTSH_W_DU_LIEU),
                                                        TTSH_W_KET_QUA);
        for (guint i = 0; list && i < json_array_get_length (list); i++)
          {
            JsonObject *r = json_array_get_object_element (list, i);
            int rc = (int) json_object_get_int_member_with_default (r, TTSH_W_MA_KET_QUA, 0);
            if (rc == TTSH_CODE_OK)
              p->accepted++;
            else if (rc == TTSH_CODE_DUPLICATE)
              p->duplicates++;
            else
              {
                p->refused++;
                g_printerr ("exam-sim: %s refused %s: %d %s\n", p->content_role,
                            json_object_get_string_member_with_default (r, TTSH_W_TRANSACTION_CODE, "?"), rc,
                            json_object_get_string_member_with_default (r, TTSH_W_THONG_TIN_XU_LY, ""));
              }
          }
        p->tries = 0;
        p->relogged = FALSE;
        if (p->split && p->inflight->len == 1 && queued (p) == 0)
          p->split = FALSE;
        g_clear_pointer (&p->inflight, g_ptr_array_unref);
        g_clear_pointer (&p->inflight_path, g_free);
        /* Full batches go at once; a trickle waits a moment to batch up. */
        if (queued (p) > 0)
          schedule_flush (p, queued (p) >= BATCH_MAX || p->done_playing ? 1 : FLUSH_MS);
        program_maybe_finish (p);
        return;
      }
    case TTSH_CODE_TOKEN_INVALID:
      {
        g_autoptr(GError) lerr = NULL;
        if (p->relogged || !program_login (p, &lerr))
          {
            requeue_inflight_front (p);
            program_stop (p, lerr ? lerr->message : "token refused twice");
            return;
          }
        p->relogged = TRUE;
        requeue_inflight_front (p);
        schedule_flush (p, 1);
        return;
      }
    case TTSH_CODE_ACCOUNT_LOCKED:
    case TTSH_CODE_BAD_CREDENTIALS:
    case TTSH_CODE_IP_DENIED:
      requeue_inflight_front (p);
      program_stop (p, json_object_get_string_member_with_default (o, TTSH_W_THONG_TIN_XU_LY, "refused"));
      return;
    case TTSH_CODE_TOO_LARGE:
      if (p->inflight->len > 1)
        {
          /* Split: send the records one by one from now on for this batch. */
          say ("  %s: batch too large, splitting", p->content_role);
          p->split = TRUE;
          requeue_inflight_front (p);
          schedule_flush (p, 1);
          return;
        }
      p->refused++;
      g_clear_pointer (&p->inflight, g_ptr_array_unref);
      g_clear_pointer (&p->inflight_path, g_free);
      schedule_flush (p, 1);
      return;
    case TTSH_CODE_INVALID_DATA:
    case TTSH_CODE_NOT_FOUND:
      /* The whole batch was refused: not recoverable by resending. */
      g_printerr ("exam-sim: %s batch refused: %d %s\n", p->content_role, code,
                  json_object_get_string_member_with_default (o, TTSH_W_MO_TA_CHI_TIET_LOI, ""));
      p->refused += p->inflight->len;
      g_clear_pointer (&p->inflight, g_ptr_array_unref);
      g_clear_pointer (&p->inflight_path, g_free);
      schedule_flush (p, 1);
      program_maybe_finish (p);
      return;
    default:   /* 0, -8, -10, -99, 5xx: recoverable */
      {
        g_autofree char *why = g_strdup_printf ("MaKetQua %d (HTTP %u)", code, status);
        retry_later (p, why);
      }
    }
}

static void
program_flush (Program *p)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *text = NULL;
  g_autofree char *now = NULL;
  g_autofree char *batch_id = NULL;
  GQueue *queue;
  guint limit;

  p->flush_id = 0;
  if (p->stopped || p->inflight != NULL || (queue = next_queue (p)) == NULL)
    return;
  /* Log in again shortly before the token expires. */
  if (p->token_exp != 0 && p->token_exp - g_get_real_time () / G_USEC_PER_SEC < 60)
    {
      g_autoptr(GError) error = NULL;
      if (!program_login (p, &error))
        {
          program_stop (p, error->message);
          return;
        }
    }
  limit = p->split ? 1 : BATCH_MAX;
  p->inflight = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  p->inflight_path = g_strdup (((Pending *) g_queue_peek_head (queue))->path);
  while (!g_queue_is_empty (queue) && p->inflight->len < limit)
    g_ptr_array_add (p->inflight, g_queue_pop_head (queue));

  now = ttsh_time_now ();
  batch_id = g_strdup_printf ("LO-%s-%" G_GINT64_FORMAT, p->content_role, ++tx_seq);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_MA_TTSH);
  json_builder_add_string_value (b, opt_centre);
  json_builder_set_member_name (b, TTSH_W_MA_LO);
  json_builder_add_string_value (b, batch_id);
  json_builder_set_member_name (b, TTSH_W_THOI_GIAN_GUI);
  json_builder_add_string_value (b, now);
  json_builder_set_member_name (b, TTSH_W_DANH_SACH);
  json_builder_begin_array (b);
  for (guint i = 0; i < p->inflight->len; i++)
    {
      Pending *pd = g_ptr_array_index (p->inflight, i);
      JsonNode *n = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (n, pd->record);
      json_builder_add_value (b, n);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  text = json_to_string (body, FALSE);
  msg = new_message (p, "POST", p->inflight_path, text);
  p->sent += p->inflight->len;
  soup_session_send_and_read_async (p->sim->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, p);
}

static gboolean
flush_cb (gpointer data)
{
  program_flush (data);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Candidates and outcomes                                                  */

static const char *
str (JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default (o, name, "");
}

static JsonObject *
identity (Program *p, JsonObject *cand, const char *content, const char *kind)
{
  JsonObject *r = json_object_new ();
  g_autofree char *tx = new_tx (p, kind);
  const char *names[] = { TTSH_W_MA_DANG_KY, TTSH_W_HO_TEN, TTSH_W_NGAY_SINH, TTSH_W_SO_CCCD,
                          TTSH_W_SO_BAO_DANH, TTSH_W_HANG_SAT_HACH };

  json_object_set_string_member (r, TTSH_W_TRANSACTION_CODE, tx);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    json_object_set_string_member (r, names[i], str (cand, names[i]));
  json_object_set_string_member (r, TTSH_W_MA_KY_SAT_HACH, opt_session);
  json_object_set_string_member (r, TTSH_W_NOI_DUNG_SAT_HACH, content);
  return r;
}

/* Same answer in every program: is candidate @reg absent today? */
static guint32
mix (guint32 h)
{
  /* Reg codes differ in their last digits only: spread them out. */
  h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16;
  return h;
}

static gboolean
is_absent (const char *reg)
{
  guint32 h = mix (g_str_hash (reg) ^ mix ((guint32) opt_seed * 2654435761u));
  return (h % 10000) < (guint32) (opt_absent * 10000);
}

/* Deterministic outcome of one content, for cross-program consistency. */
static double
chance (const char *reg, const char *content)
{
  guint32 h = mix (mix (g_str_hash (reg)) + g_str_hash (content) + (guint32) opt_seed * 40503u);
  return (h % 10000) / 10000.0;
}

static const char *const order[] = { "LY_THUYET", "MO_PHONG", "SA_HINH", "DUONG_TRUONG" };
static const double fail_rate[] = { 0.15, 0.10, 0.20, 0.10 };

static gboolean
has_content (JsonObject *cand, const char *content)
{
  JsonArray *a = json_object_get_array_member (cand, TTSH_W_NOI_DUNG_SAT_HACH);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    if (g_str_equal (json_array_get_string_element (a, i), content))
      return TRUE;
  return FALSE;
}

static gboolean
will_fail (JsonObject *cand, const char *content)
{
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (order[i], content))
      return chance (str (cand, TTSH_W_MA_DANG_KY), content) < fail_rate[i];
  return FALSE;
}

/* A candidate who failed an earlier content does not go on (same day). */
static gboolean
eligible (JsonObject *cand, const char *content)
{
  for (guint i = 0; i < G_N_ELEMENTS (order) && !g_str_equal (order[i], content); i++)
    if (has_content (cand, order[i]) && will_fail (cand, order[i]))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* One test in progress                                                      */

typedef struct {
  Program    *p;
  JsonObject *cand;
  const char *content;
  char       *start_time;
  gint64      clock0_ms;   /* real time when the test started */
  gint64      sim_ms;      /* simulated time since then */
  int         seq;
  int         step;        /* question, situation, exercise, or second */
  int         n_steps;
  double      score;
  gboolean    fail;
  JsonArray  *events;      /* pending SuKien for the next record */
  JsonArray  *gps;         /* pending DuLieuGPS */
  char       *photo;
  /* road */
  double      dist;        /* metres along the route */
  double      speed;       /* km/h */
  guint       timer;
} Test;

static void test_step (Test *t);

static void
test_free (Test *t)
{
  g_free (t->start_time);
  g_free (t->photo);
  if (t->events)
    json_array_unref (t->events);
  if (t->gps)
    json_array_unref (t->gps);
  g_free (t);
}

/* The test's own clock: it starts at the real time and advances by the
 * simulated durations, so at --speed 40 GPS points are still one second
 * apart and a 15-minute drive lasts 15 minutes in the records. */
static gboolean test_tick (gpointer data);

static char *
test_now (Test *t)
{
  return ttsh_time_format_ms (t->clock0_ms + t->sim_ms);
}

static void
schedule (Test *t, double sim_seconds)
{
  t->sim_ms += (gint64) (sim_seconds * 1000);
  t->timer = g_timeout_add (ms_sim (sim_seconds), test_tick, t);
}

static void
add_event (Test *t, const char *code, const char *text, double deduction)
{
  JsonObject *e = json_object_new ();
  g_autofree char *now = test_now (t);

  json_object_set_string_member (e, TTSH_W_THOI_GIAN, now);
  json_object_set_string_member (e, TTSH_W_MA_LOI, code);
  json_object_set_string_member (e, TTSH_W_MO_TA, text);
  json_object_set_double_member (e, TTSH_W_DIEM_TRU, deduction);
  json_array_add_object_element (t->events, e);
}

static void
emit_process (Test *t, const char *state)
{
  JsonObject *r = identity (t->p, t->cand, t->content, "QT");
  gboolean end = g_str_equal (state, "KET_THUC");

  json_object_set_int_member (r, TTSH_W_LAN_SAT_HACH, 1);
  json_object_set_int_member (r, TTSH_W_SO_THU_TU, ++t->seq);
  json_object_set_string_member (r, TTSH_W_TRANG_THAI, state);
  json_object_set_string_member (r, TTSH_W_THOI_GIAN_BAT_DAU, t->start_time);
  if (end)
    {
      g_autofree char *now = test_now (t);
      json_object_set_string_member (r, TTSH_W_THOI_GIAN_KET_THUC, now);
    }
  else
    json_object_set_null_member (r, TTSH_W_THOI_GIAN_KET_THUC);
  json_object_set_double_member (r, TTSH_W_DIEM, MAX (t->score, 0));
  json_object_set_null_member (r, TTSH_W_LY_DO_SAT_HACH_LAI);
  if (end)
    json_object_set_string_member (r, TTSH_W_KET_QUA, t->fail ? "KHONG_DAT" : "DAT");
  json_object_set_array_member (r, TTSH_W_SU_KIEN, g_steal_pointer (&t->events));
  t->events = json_array_new ();
  if (!g_str_equal (state, "DANG_THI"))
    json_object_set_string_member (r, TTSH_W_ANH_HOC_VIEN, t->photo);
  json_object_set_array_member (r, TTSH_W_DU_LIEU_GPS, g_steal_pointer (&t->gps));
  t->gps = json_array_new ();
  enqueue (t->p, PATH_PROCESS, r);
}

static void
emit_result (Test *t)
{
  JsonObject *r = identity (t->p, t->cand, t->content, "KQ");
  g_autofree char *now = test_now (t);

  json_object_set_int_member (r, TTSH_W_LAN_SAT_HACH, 1);
  json_object_set_string_member (r, TTSH_W_THOI_GIAN_BAT_DAU, t->start_time);
  json_object_set_string_member (r, TTSH_W_THOI_GIAN_KET_THUC, now);
  json_object_set_double_member (r, TTSH_W_DIEM, MAX (t->score, 0));
  json_object_set_string_member (r, TTSH_W_KET_QUA, t->fail ? "KHONG_DAT" : "DAT");
  json_object_set_string_member (r, TTSH_W_ANH_HOC_VIEN, t->photo);
  enqueue (t->p, PATH_RESULTS, r);
}

/* Theory: questions per class and pass mark (Thông tư 12/2017, 2024 rev.). */
static void
theory_rules (const char *cls, int *questions, int *pass)
{
  if (g_str_equal (cls, "A1")) { *questions = 25; *pass = 21; }
  else if (g_str_equal (cls, "A")) { *questions = 25; *pass = 23; }
  else if (g_str_equal (cls, "B1")) { *questions = 30; *pass = 27; }
  else if (g_str_equal (cls, "B")) { *questions = 30; *pass = 27; }
  else if (g_str_equal (cls, "C1")) { *questions = 35; *pass = 32; }
  else if (g_str_equal (cls, "C")) { *questions = 40; *pass = 36; }
  else { *questions = 45; *pass = 41; }
}

static const char *const yard_car[] = {
  "Xuất phát", "Dừng xe nhường đường cho người đi bộ", "Dừng và khởi hành xe ngang dốc",
  "Qua vệt bánh xe và đường vòng vuông góc", "Qua ngã tư có đèn tín hiệu", "Qua đường vòng quanh co",
  "Ghép xe dọc vào nơi đỗ", "Tạm dừng ở chỗ có đường sắt chạy qua", "Thay đổi số trên đường bằng",
  "Ghép xe ngang vào nơi đỗ", "Kết thúc",
};
static const char *const yard_moto[] = {
  "Đi theo hình số 8", "Qua vạch đường thẳng", "Qua đường có vạch cản", "Qua đường gồ ghề",
};
static const struct { const char *code, *text; double points; } yard_faults[] = {
  { "SH01", "Không thắt dây an toàn", 5 },
  { "SH02", "Không bật đèn xi nhan trái khi xuất phát", 5 },
  { "SH03", "Đè vạch giới hạn", 5 },
  { "SH04", "Dừng xe cách vạch quá 500 mm", 5 },
  { "SH05", "Xe bị chết máy", 5 },
  { "SH06", "Tốc độ động cơ vượt 4000 vòng/phút", 5 },
  { "SH07", "Quá thời gian thực hiện bài", 5 },
  { "SH08", "Không dừng xe ở vạch dừng quy định", 5 },
  { "SH09", "Xe bị tụt dốc quá 500 mm", 10 },
  { "SH10", "Vượt đèn đỏ", 10 },
  { "SH11", "Không hoàn thành bài thi", 25 },
};
static const struct { const char *code, *text; double points; } road_faults[] = {
  { "DT01", "Không bật đèn xi nhan khi chuyển hướng", 5 },
  { "DT02", "Không giữ khoảng cách an toàn", 5 },
  { "DT03", "Không tăng số đúng quy định", 2 },
  { "DT04", "Vượt quá tốc độ cho phép", 5 },
  { "DT05", "Phanh gấp không cần thiết", 5 },
  { "DT06", "Xe bị chết máy", 5 },
  { "DT07", "Không chấp hành hiệu lệnh của sát hạch viên", 10 },
  { "DT08", "Không chấp hành biển báo, vạch kẻ đường", 10 },
};

/* A plausible road test loop around Mỹ Đình (Nam Từ Liêm, Hà Nội). */
static const double route[][2] = {
  { 21.02852, 105.77908 }, { 21.02841, 105.77530 }, { 21.02826, 105.77172 }, { 21.03040, 105.77160 },
  { 21.03312, 105.77148 }, { 21.03335, 105.77480 }, { 21.03352, 105.77875 }, { 21.03110, 105.77892 },
  { 21.02852, 105.77908 },
};

static double
seg_len (guint i)
{
  double dlat = (route[i + 1][0] - route[i][0]) * 111320.0;
  double dlon = (route[i + 1][1] - route[i][1]) * 111320.0 * cos (route[i][0] * G_PI / 180);
  return sqrt (dlat * dlat + dlon * dlon);
}

static void
route_point (double dist, double *lat, double *lon, double *heading)
{
  double total = 0;

  for (guint i = 0; i + 1 < G_N_ELEMENTS (route); i++)
    {
      double l = seg_len (i);
      if (dist <= total + l || i + 2 == G_N_ELEMENTS (route))
        {
          double f = CLAMP ((dist - total) / l, 0, 1);
          double dlat = route[i + 1][0] - route[i][0], dlon = route[i + 1][1] - route[i][1];
          *lat = route[i][0] + f * dlat;
          *lon = route[i][1] + f * dlon;
          *heading = fmod (atan2 (dlon * cos (route[i][0] * G_PI / 180), dlat) * 180 / G_PI + 360, 360);
          return;
        }
      total += l;
    }
}

static double
route_length (void)
{
  double total = 0;
  for (guint i = 0; i + 1 < G_N_ELEMENTS (route); i++)
    total += seg_len (i);
  return total;
}

static gboolean
test_tick (gpointer data)
{
  Test *t = data;
  t->timer = 0;
  test_step (t);
  return G_SOURCE_REMOVE;
}

static void
test_finish (Test *t)
{
  Program *p = t->p;

  emit_process (t, "KET_THUC");
  /* The program also posts its result; the TTSH sees it agrees with KET_THUC. */
  emit_result (t);
  p->tests++;
  if (t->fail)
    p->failed++;
  else
    p->passed++;
  p->active--;
  test_free (t);
  program_maybe_finish (p);
}

static void
test_step (Test *t)
{
  GRand *r = t->p->rand;

  if (g_str_equal (t->content, "LY_THUYET") || g_str_equal (t->content, "MO_PHONG"))
    {
      gboolean theory = g_str_equal (t->content, "LY_THUYET");
      double per_step = theory ? 40 : 60;   /* seconds per question / situation */

      t->step++;
      if (theory)
        {
          int questions, pass;
          theory_rules (str (t->cand, TTSH_W_HANG_SAT_HACH), &questions, &pass);
          /* Correct answers so that the planned outcome holds. */
          if (t->step <= t->n_steps)
            {
              int wrong_budget = t->fail ? questions - pass + 2 : questions - pass;
              int wrong_so_far = t->step - 1 - (int) t->score;
              gboolean wrong = wrong_so_far < wrong_budget && g_rand_double (r) < (double) wrong_budget / questions * 1.5;
              if (t->fail && t->step > t->n_steps - (wrong_budget - wrong_so_far))
                wrong = TRUE;
              if (!wrong)
                t->score += 1;
            }
          if (t->step % 10 == 0 && t->step < t->n_steps)
            emit_process (t, "DANG_THI");
        }
      else
        {
          /* Simulation: 10 situations of 0–5 points, pass ≥ 35/50. */
          int pts = t->fail ? g_rand_int_range (r, 0, 4) : g_rand_int_range (r, 3, 6);
          t->score += pts;
          if (t->step < t->n_steps)
            emit_process (t, "DANG_THI");
        }
      if (t->step >= t->n_steps)
        {
          if (!theory)
            t->fail = t->score < 35;
          else
            {
              int questions, pass;
              theory_rules (str (t->cand, TTSH_W_HANG_SAT_HACH), &questions, &pass);
              t->fail = t->score < pass;
            }
          test_finish (t);
          return;
        }
      schedule (t, per_step);
      return;
    }

  if (g_str_equal (t->content, "SA_HINH"))
    {
      gboolean moto = g_str_equal (str (t->cand, TTSH_W_HANG_SAT_HACH), "A1") ||
                      g_str_equal (str (t->cand, TTSH_W_HANG_SAT_HACH), "A");
      /* Faults per exercise: failing candidates make more and worse ones. */
      int n = g_rand_int_range (r, 0, t->fail ? 3 : 2);
      for (int k = 0; k < n; k++)
        {
          guint f = g_rand_int_range (r, 0, t->fail ? G_N_ELEMENTS (yard_faults) : 8);
          if (!t->fail && t->score - yard_faults[f].points < 82)
            continue;
          t->score -= yard_faults[f].points;
          add_event (t, yard_faults[f].code, yard_faults[f].text, yard_faults[f].points);
        }
      t->step++;
      if (t->fail && t->step == t->n_steps && t->score >= 80)
        {
          t->score -= 25;
          add_event (t, yard_faults[10].code, yard_faults[10].text, 25);
        }
      if (t->step >= t->n_steps)
        {
          t->score = MAX (t->score, 0);
          t->fail = t->score < 80;
          test_finish (t);
          return;
        }
      /* Each exercise completed is an event without deduction, so the
       * stream shows where the candidate is on the yard. */
      {
        g_autofree char *code = g_strdup_printf ("BAI%02d", t->step);
        add_event (t, code, moto ? yard_moto[t->step - 1] : yard_car[t->step - 1], 0);
      }
      emit_process (t, "DANG_THI");
      schedule (t, moto ? 45 : 80);
      return;
    }

  /* Road: one GPS point per simulated second, a process record every 5 s. */
  {
    double lat, lon, heading;
    JsonObject *pt = json_object_new ();
    g_autofree char *now = test_now (t);
    double target = 20 + 15 * sin (t->step / 25.0) + g_rand_double_range (r, -3, 3);

    t->speed += CLAMP (target - t->speed, -4, 3);
    t->speed = CLAMP (t->speed, 0, 55);
    if (t->step < 8)
      t->speed = t->step * 3.0;
    t->dist += t->speed / 3.6;
    route_point (t->dist, &lat, &lon, &heading);
    json_object_set_string_member (pt, TTSH_W_THOI_GIAN, now);
    json_object_set_double_member (pt, TTSH_W_VI_DO, round (lat * 1e6) / 1e6);
    json_object_set_double_member (pt, TTSH_W_KINH_DO, round (lon * 1e6) / 1e6);
    json_object_set_double_member (pt, TTSH_W_TOC_DO, round (t->speed * 10) / 10);
    json_object_set_double_member (pt, TTSH_W_HUONG, round (heading));
    json_object_set_double_member (pt, TTSH_W_DO_CHINH_XAC, 2.5 + g_rand_double (r) * 3);
    json_array_add_object_element (t->gps, pt);
    t->step++;
    if (g_rand_int_range (r, 0, t->fail ? 60 : 200) == 0)
      {
        guint f = g_rand_int_range (r, 0, G_N_ELEMENTS (road_faults));
        if (t->fail || t->score - road_faults[f].points >= 82)
          {
            t->score -= road_faults[f].points;
            add_event (t, road_faults[f].code, road_faults[f].text, road_faults[f].points);
          }
      }
    if (t->dist >= route_length ())
      {
        if (t->fail && t->score >= 80)
          {
            t->score -= 25;
            add_event (t, "DT09", "Gây tai nạn hoặc để sát hạch viên phải can thiệp", 25);
          }
        t->score = MAX (t->score, 0);
        t->fail = t->score < 80;
        test_finish (t);
        return;
      }
    if (t->step % MAX (opt_stream_interval, 1) == 0)
      emit_process (t, "DANG_THI");
    schedule (t, 1);
  }
}

static void
start_test (Program *p, JsonObject *cand, const char *content)
{
  Test *t = g_new0 (Test, 1);

  t->p = p;
  t->cand = cand;
  t->content = content;
  t->clock0_ms = ttsh_now_ms ();
  t->start_time = test_now (t);
  t->events = json_array_new ();
  t->gps = json_array_new ();
  t->fail = will_fail (cand, content);
  t->photo = exam_sim_photo_base64 (g_str_hash (str (cand, TTSH_W_MA_DANG_KY)) + g_str_hash (content));
  if (g_str_equal (content, "LY_THUYET"))
    {
      int q, pass;
      theory_rules (str (cand, TTSH_W_HANG_SAT_HACH), &q, &pass);
      t->n_steps = q;
      t->score = 0;
    }
  else if (g_str_equal (content, "MO_PHONG"))
    {
      t->n_steps = 10;
      t->score = 0;
    }
  else if (g_str_equal (content, "SA_HINH"))
    {
      const char *cls = str (cand, TTSH_W_HANG_SAT_HACH);
      t->n_steps = (g_str_equal (cls, "A1") || g_str_equal (cls, "A")) ? 4 : 11;
      t->score = 100;
    }
  else
    t->score = 100;
  p->active++;
  emit_process (t, "BAT_DAU");
  schedule (t, g_str_equal (content, "DUONG_TRUONG") ? 1 : 30);
}

static void
attendance (Program *p, JsonObject *cand, const char *content, gboolean present)
{
  JsonObject *r = identity (p, cand, content, "DD");
  g_autofree char *now = ttsh_time_now ();

  json_object_set_string_member (r, TTSH_W_TRANG_THAI_DIEM_DANH, present ? "CO_MAT" : "VANG");
  json_object_set_string_member (r, TTSH_W_THOI_GIAN_DIEM_DANH, now);
  if (present)
    {
      JsonObject *a = json_object_new ();
      gboolean qr = g_rand_int_range (p->rand, 0, 3) != 0;
      g_autofree char *code = g_strdup_printf ("%s-%08X", qr ? "VNEID" : "CHIP", g_rand_int (p->rand));
      json_object_set_string_member (a, TTSH_W_PHUONG_THUC, qr ? "VNEID_QR" : "CCCD_CHIP");
      json_object_set_string_member (a, TTSH_W_KET_QUA, "KHOP");
      json_object_set_string_member (a, TTSH_W_MA_XAC_THUC, code);
      json_object_set_string_member (a, TTSH_W_THOI_GIAN, now);
      json_object_set_object_member (r, TTSH_W_XAC_THUC_DIEN_TU, a);
    }
  else
    json_object_set_null_member (r, TTSH_W_XAC_THUC_DIEN_TU);
  enqueue (p, PATH_ATTENDANCE, r);
}

static int
capacity (Program *p)
{
  if (g_str_equal (p->content_role, "LY_THUYET"))
    return MAX (opt_seats, 1);
  if (g_str_equal (p->content_role, "SA_HINH"))
    return MAX (opt_cars, 1);
  return MAX (opt_vehicles, 1);
}

/* Starts candidates while seats/cars/vehicles are free. */
static gboolean
program_schedule (gpointer data)
{
  Program *p = data;

  while (!p->stopped && p->active < capacity (p) && p->next < (int) p->candidates->len)
    {
      JsonObject *cand = g_ptr_array_index (p->candidates, p->next++);
      const char *reg = str (cand, TTSH_W_MA_DANG_KY);
      gboolean theory = g_str_equal (p->content_role, "LY_THUYET");
      const char *content = theory ? "LY_THUYET" : p->content_role;

      if (is_absent (reg))
        {
          attendance (p, cand, content, FALSE);
          if (theory && has_content (cand, "MO_PHONG"))
            attendance (p, cand, "MO_PHONG", FALSE);
          p->absent++;
          continue;
        }
      if (!eligible (cand, content))
        continue;
      attendance (p, cand, content, TRUE);
      start_test (p, cand, content);
      /* The theory room also runs the simulation right after, if registered. */
      if (theory && has_content (cand, "MO_PHONG") && !will_fail (cand, "LY_THUYET"))
        {
          attendance (p, cand, "MO_PHONG", TRUE);
          start_test (p, cand, "MO_PHONG");
        }
    }
  if (p->next >= (int) p->candidates->len)
    p->done_playing = TRUE;
  program_maybe_finish (p);
  return p->done_playing ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
program_maybe_finish (Program *p)
{
  Sim *sim = p->sim;

  if (p->stopped || (p->done_playing && p->active == 0 && p->inflight == NULL && queued (p) == 0))
    {
      if (p->finished)
        return;
      p->finished = TRUE;
      if (--sim->running == 0)
        g_main_loop_quit (sim->loop);
    }
}

static gboolean program_fetch_roster_once (Program *p, gboolean *busy, GError **error);

static gboolean
program_fetch_roster (Program *p, GError **error)
{
  return retry_while_busy (p, program_fetch_roster_once, error);
}

static gboolean
program_fetch_roster_once (Program *p, gboolean *busy, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/%s?%s=%s", "/exam-sessions", opt_session,
                                           TTSH_W_NOI_DUNG_SAT_HACH, p->content_role);
  g_autoptr(SoupMessage) msg = new_message (p, "GET", path, NULL);
  g_autoptr(GBytes) reply = soup_session_send_and_read (p->sim->session, msg, NULL, error);
  g_autoptr(JsonNode) env = NULL;
  JsonObject *o;
  JsonArray *list;
  gint64 code;

  if (reply == NULL)
    {
      *busy = TRUE;
      return FALSE;
    }
  env = parse_reply (reply);
  code = env ? json_object_get_int_member_with_default (json_node_get_object (env), TTSH_W_MA_KET_QUA, 0) : 0;
  if (env == NULL || code != 1)
    {
      *busy = env == NULL || code == TTSH_CODE_BUSY || code == TTSH_CODE_INTERNAL;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "roster %s: %s", p->content_role,
                   env ? json_object_get_string_member_with_default (json_node_get_object (env),
                                                                     TTSH_W_MO_TA_CHI_TIET_LOI, "?") : "no envelope");
      return FALSE;
    }
  o = json_object_get_object_member (json_node_get_object (env), TTSH_W_DU_LIEU);
  list = json_object_get_array_member (o, TTSH_W_HOC_VIEN);
  p->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (list); i++)
    g_ptr_array_add (p->candidates, json_object_ref (json_array_get_object_element (list, i)));
  say ("%s: %u candidates in the roster", p->content_role, p->candidates->len);
  return TRUE;
}

static void
program_free (Program *p)
{
  g_clear_handle_id (&p->flush_id, g_source_remove);
  for (guint i = 0; i < 3; i++)
    g_queue_clear_full (&p->queues[i], (GDestroyNotify) pending_free);
  g_clear_pointer (&p->inflight, g_ptr_array_unref);
  g_free (p->inflight_path);
  g_clear_pointer (&p->candidates, g_ptr_array_unref);
  g_rand_free (p->rand);
  g_free (p->user);
  g_free (p->token);
  g_free (p);
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */

static SoupSession *
new_session (GError **error)
{
  g_autoptr(GTlsDatabase) db = NULL;
  /* The TTSH server is on the centre's LAN: connect directly. */
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  if (opt_ca)
    {
      db = g_tls_file_database_new (opt_ca, error);
      if (db == NULL)
        return NULL;
    }
  return soup_session_new_with_options ("timeout", 75, "max-conns", 16, "max-conns-per-host", 8,
                                        "proxy-resolver", direct, db ? "tls-database" : NULL, db, NULL);
}

static char *
read_password (GError **error)
{
  char *text = NULL;

  if (opt_password_file == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--password-file is required");
      return NULL;
    }
  if (!g_file_get_contents (opt_password_file, &text, NULL, error))
    return NULL;
  g_strchomp (text);
  return text;
}

static char *
user_for (const char *program)
{
  g_auto(GStrv) parts = NULL;

  if (opt_user == NULL)
    return NULL;
  if (strchr (opt_user, '=') == NULL)
    return g_strdup (opt_user);
  parts = g_strsplit (opt_user, ",", -1);
  for (char **s = parts; *s; s++)
    if (g_str_has_prefix (*s, program) && (*s)[strlen (program)] == '=')
      return g_strdup (*s + strlen (program) + 1);
  return NULL;
}

static int
cmd_run (void)
{
  g_autoptr(GError) error = NULL;
  const char *programs[3];
  guint n = 0;
  Sim sim = { 0 };
  guint sent = 0, accepted = 0, dup = 0, refused = 0;

  if (opt_url == NULL || opt_session == NULL || opt_speed <= 0)
    {
      g_printerr ("exam-sim run: --url, --session and a positive --speed are required\n");
      return 2;
    }
  if (g_str_equal (opt_program, "all"))
    {
      programs[n++] = "LY_THUYET";
      programs[n++] = "SA_HINH";
      programs[n++] = "DUONG_TRUONG";
    }
  else if (g_str_equal (opt_program, "LY_THUYET") || g_str_equal (opt_program, "SA_HINH") ||
           g_str_equal (opt_program, "DUONG_TRUONG"))
    programs[n++] = opt_program;
  else
    {
      g_printerr ("exam-sim run: --program must be LY_THUYET, SA_HINH, DUONG_TRUONG or all\n");
      return 2;
    }
  sim.password = read_password (&error);
  if (sim.password == NULL)
    {
      g_printerr ("exam-sim run: %s\n", error->message);
      return 2;
    }
  sim.session = new_session (&error);
  if (sim.session == NULL)
    {
      g_printerr ("exam-sim run: %s\n", error->message);
      return 2;
    }
  sim.loop = g_main_loop_new (NULL, FALSE);
  sim.programs = g_ptr_array_new_with_free_func ((GDestroyNotify) program_free);

  for (guint i = 0; i < n; i++)
    {
      Program *p = g_new0 (Program, 1);
      p->sim = &sim;
      p->content_role = programs[i];
      p->user = user_for (programs[i]);
      p->rand = g_rand_new_with_seed ((guint32) opt_seed * 977u + i);
      for (guint q = 0; q < 3; q++)
        g_queue_init (&p->queues[q]);
      g_ptr_array_add (sim.programs, p);
      if (p->user == NULL)
        {
          g_printerr ("exam-sim run: no --user for %s\n", programs[i]);
          return 2;
        }
      if (!program_login (p, &error) || !program_fetch_roster (p, &error))
        {
          g_printerr ("exam-sim run: %s\n", error->message);
          return 1;
        }
    }
  for (guint i = 0; i < sim.programs->len; i++)
    {
      Program *p = g_ptr_array_index (sim.programs, i);
      sim.running++;
      g_timeout_add (ms_sim (1), program_schedule, p);
    }
  g_main_loop_run (sim.loop);

  for (guint i = 0; i < sim.programs->len; i++)
    {
      Program *p = g_ptr_array_index (sim.programs, i);
      printf ("%s: tests=%u passed=%u failed=%u absent=%u records sent=%u accepted=%u duplicate=%u "
              "refused=%u retries=%u%s\n", p->content_role, p->tests, p->passed, p->failed, p->absent,
              p->sent, p->accepted, p->duplicates, p->refused, p->retries, p->stopped ? " STOPPED" : "");
      sent += p->sent;
      accepted += p->accepted;
      dup += p->duplicates;
      refused += p->refused;
      if (p->stopped || p->refused > 0)
        sim.exit_status = 1;
    }
  printf ("total: records sent=%u accepted=%u duplicate=%u refused=%u\n", sent, accepted, dup, refused);
  g_ptr_array_unref (sim.programs);
  g_main_loop_unref (sim.loop);
  g_object_unref (sim.session);
  explicit_bzero (sim.password, strlen (sim.password));
  g_free (sim.password);
  return sim.exit_status;
}

static int
cmd_make_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) session = NULL;
  g_autofree char *text = NULL;

  if (opt_code == NULL || opt_out == NULL || opt_candidates < 1 || opt_candidates > 5000)
    {
      g_printerr ("exam-sim make-session: --code, --out and 1–5000 --candidates are required\n");
      return 2;
    }
  session = exam_sim_make_session (opt_code, opt_centre, (guint) opt_candidates, (guint32) opt_seed);
  text = json_to_string (session, TRUE);
  if (!g_file_set_contents (opt_out, text, -1, &error))
    {
      g_printerr ("exam-sim make-session: %s\n", error->message);
      return 1;
    }
  say ("%s: %d candidates written to %s", opt_code, opt_candidates, opt_out);
  return 0;
}

static int
cmd_push (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonNode) env = NULL;
  Sim sim = { 0 };
  Program p = { 0 };
  int code;

  if (opt_url == NULL || opt_file == NULL || opt_user == NULL)
    {
      g_printerr ("exam-sim push: --url, --user, --password-file and --file are required\n");
      return 2;
    }
  sim.password = read_password (&error);
  if (sim.password == NULL || !g_file_get_contents (opt_file, &body, NULL, &error) ||
      (sim.session = new_session (&error)) == NULL)
    {
      g_printerr ("exam-sim push: %s\n", error->message);
      g_free (sim.password);
      return 2;
    }
  p.sim = &sim;
  p.user = opt_user;
  p.content_role = "C08_PUSH";
  if (!program_login (&p, &error))
    {
      g_printerr ("exam-sim push: %s\n", error->message);
      code = 1;
      goto out;
    }
  msg = new_message (&p, "POST", "/exam-sessions", body);
  reply = soup_session_send_and_read (sim.session, msg, NULL, &error);
  env = reply ? parse_reply (reply) : NULL;
  if (env == NULL)
    {
      g_printerr ("exam-sim push: %s\n", error ? error->message : "reply is not an envelope");
      code = 1;
      goto out;
    }
  code = (int) json_object_get_int_member_with_default (json_node_get_object (env), TTSH_W_MA_KET_QUA, 0);
  {
    g_autofree char *text = json_to_string (env, TRUE);
    printf ("%s\n", text);
  }
  code = code == 1 ? 0 : 1;
out:
  g_free (p.token);
  g_object_unref (sim.session);
  g_free (sim.password);
  return code;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  const char *cmd = argc > 1 ? argv[1] : NULL;
  const GOptionEntry *entries;

  /* Before any TLS connection: refuse TLS < 1.2 as a client too. */
  ttsh_tls_harden ();
  if (cmd == NULL || g_str_equal (cmd, "--help") || g_str_equal (cmd, "-h"))
    {
      printf ("Usage: exam-sim COMMAND [OPTIONS]\n\n"
              "Commands:\n"
              "  make-session  write an approved exam session (JSON, §5.1)\n"
              "  push          send an exam session to the TTSH as C08 does\n"
              "  run           play the theory, yard and road exam programs against the TTSH API\n\n"
              "Example:\n"
              "  exam-sim make-session --code K2026-11-23 --centre TTSH-HN-01 --candidates 200 --out ky.json\n"
              "  exam-sim run --url https://127.0.0.1:19443/ttsh/v1 --ca-file ca.pem --session K2026-11-23 \\\n"
              "     --program all --user LY_THUYET=ly-thuyet,SA_HINH=sa-hinh,DUONG_TRUONG=duong-truong \\\n"
              "     --password-file exam.pass --speed 20 --seed 1\n\n"
              "“exam-sim COMMAND --help” lists the options of a command.\n");
      return cmd == NULL ? 2 : 0;
    }
  if (g_str_equal (cmd, "run"))
    entries = run_entries;
  else if (g_str_equal (cmd, "make-session"))
    entries = make_entries;
  else if (g_str_equal (cmd, "push"))
    entries = push_entries;
  else
    {
      g_printerr ("exam-sim: unknown command “%s” (make-session, push, run)\n", cmd);
      return 2;
    }
  ctx = g_option_context_new (cmd);
  g_option_context_add_main_entries (ctx, entries, NULL);
  argv[1] = argv[0];
  argc--;
  argv++;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("exam-sim %s: %s\n", cmd, error->message);
      return 2;
    }
  if (g_str_equal (cmd, "run"))
    return cmd_run ();
  if (g_str_equal (cmd, "make-session"))
    return cmd_make_session ();
  return cmd_push ();
}
