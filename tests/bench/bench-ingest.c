/* bench-ingest.c — the TTSH API under load, over real TLS on loopback with a
 * durable store (every answer after its record is on disk): accepted records
 * per second with 20 concurrent clients, response times at a steady 200
 * records/s, and the engine thread's CPU while 50 road vehicles stream GPS
 * at 1 Hz, with how many uploads shared each WAL sync. */
#include "config.h"

#include <time.h>

#include "test-server-util.h"

#define N_CANDIDATES   400
#define N_CLIENTS      20
#define PER_CLIENT     (N_CANDIDATES / N_CLIENTS)
#define BATCHES        8
#define N_VEHICLES     50

typedef struct {
  TestServer *ts;
  char       *token;
  GPtrArray  *bodies;       /* char*, sent in order */
  guint       next;
  guint       accepted;
  GArray     *latency_us;   /* gint64 */
  int        *running;
  GMainLoop  *loop;
} Client;

typedef struct {
  Client *c;
  gint64  t0;
} Req;

static JsonNode *session;

static JsonObject *
record (guint i, const char *content, int seq, const char *state, gboolean gps)
{
  g_autofree char *tx = g_strdup_printf ("B-%s-%u-%d-%" G_GINT64_FORMAT, content, i, seq, g_get_monotonic_time ());
  JsonObject *r = ts_identity (session, i, content, tx);
  g_autofree char *now = ttsh_time_now ();

  json_object_set_int_member (r, "LanSatHach", 1);
  json_object_set_int_member (r, "SoThuTu", seq);
  json_object_set_string_member (r, "TrangThai", state);
  json_object_set_string_member (r, "ThoiGianBatDau", now);
  json_object_set_null_member (r, "ThoiGianKetThuc");
  json_object_set_double_member (r, "Diem", 100);
  json_object_set_null_member (r, "LyDoSatHachLai");
  json_object_set_array_member (r, "SuKien", json_array_new ());
  if (seq == 1)
    {
      g_autofree char *photo = exam_sim_photo_base64 (i);
      json_object_set_string_member (r, "AnhHocVien", photo);
    }
  json_object_set_array_member (r, "DuLieuGPS", json_array_new ());
  if (gps)
    {
      JsonObject *p = json_object_new ();
      json_object_set_string_member (p, "ThoiGian", now);
      json_object_set_double_member (p, "ViDo", 21.0285 + seq * 1e-5);
      json_object_set_double_member (p, "KinhDo", 105.7790 - seq * 1e-5);
      json_object_set_double_member (p, "TocDo", 30);
      json_object_set_double_member (p, "Huong", 270);
      json_object_set_double_member (p, "DoChinhXac", 3);
      json_array_add_object_element (json_object_get_array_member (r, "DuLieuGPS"), p);
    }
  return r;
}

static JsonObject *
present (guint i, const char *content)
{
  g_autofree char *tx = g_strdup_printf ("B-DD-%s-%u", content, i);
  JsonObject *r = ts_identity (session, i, content, tx);
  g_autofree char *now = ttsh_time_now ();

  json_object_set_string_member (r, "TrangThaiDiemDanh", "CO_MAT");
  json_object_set_string_member (r, "ThoiGianDiemDanh", now);
  json_object_set_null_member (r, "XacThucDienTu");
  return r;
}

static char *
batch_text (JsonArray *records)
{
  g_autoptr(JsonNode) b = ts_batch (records);
  return json_to_string (b, FALSE);
}

static void send_next (Client *c, const char *path);

static void
reply_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  Req *rq = data;
  Client *c = rq->c;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  gint64 us = g_get_monotonic_time () - rq->t0;

  g_assert_no_error (error);
  g_array_append_val (c->latency_us, us);
  {
    g_autoptr(JsonParser) p = json_parser_new ();
    JsonObject *env, *d;
    JsonArray *list;

    g_assert_true (json_parser_load_from_data (p, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
    env = json_node_get_object (json_parser_get_root (p));
    g_assert_cmpint (json_object_get_int_member (env, "MaKetQua"), ==, 1);
    d = json_object_get_object_member (env, "DuLieu");
    list = json_object_get_array_member (d, "KetQua");
    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        int code = (int) json_object_get_int_member (json_array_get_object_element (list, i), "MaKetQua");
        if (code != 1)
          g_error ("record refused: %d %s", code,
                   json_object_get_string_member (json_array_get_object_element (list, i), "ThongTinXuLy"));
        c->accepted++;
      }
  }
  g_free (rq);
  if (c->loop)
    {
      if (c->next < c->bodies->len)
        send_next (c, "/process");
      else if (--(*c->running) == 0)
        g_main_loop_quit (c->loop);
    }
  else
    (*c->running)--;
}

static void
send_body (Client *c, const char *path, const char *body)
{
  g_autofree char *url = g_strconcat (c->ts->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
  g_autofree char *auth = g_strdup_printf ("Bearer %s", c->token);
  Req *rq = g_new0 (Req, 1);

  rq->c = c;
  /* As exam-sim does: uploads dedupe by TransactionCode, so a POST may
   * reuse a kept-alive connection. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", b);
  rq->t0 = g_get_monotonic_time ();
  soup_session_send_and_read_async (c->ts->session, msg, G_PRIORITY_DEFAULT, NULL, reply_cb, rq);
}

static void
send_next (Client *c, const char *path)
{
  send_body (c, path, g_ptr_array_index (c->bodies, c->next++));
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gint64
percentile (GArray *a, double p)
{
  g_array_sort (a, cmp_i64);
  return g_array_index (a, gint64, MIN (a->len - 1, (guint) (p * a->len)));
}

static gpointer
thread_cpu (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  struct timespec ts;
  gint64 *ns = g_new (gint64, 1);

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  *ns = (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
  return ns;
}

static gpointer
store_syncs (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  gint64 *n = g_new (gint64, 1);

  *n = (gint64) ttsh_store_sync_count (store);
  return n;
}

static gint64
engine_syncs (TestServer *ts)
{
  g_autofree gint64 *n = ttsh_engine_call_sync (ts->engine, store_syncs, NULL, NULL);
  return *n;
}

static gint64
engine_cpu_ns (TestServer *ts)
{
  g_autofree gint64 *ns = ttsh_engine_call_sync (ts->engine, thread_cpu, NULL, NULL);
  return *ns;
}

static void
post_sync (TestServer *ts, const char *token, const char *path, JsonArray *records)
{
  g_autofree char *text = batch_text (records);
  g_autoptr(JsonObject) env = ts_call (ts, "POST", path, token, text);
  g_assert_cmpint (ts_code (env), ==, 1);
}

static void
wait_until (int *running)
{
  while (*running > 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char *argv[])
{
  TestServer ts;
  g_autofree char *c08 = NULL, *sh = NULL, *dt = NULL;
  Client clients[N_CLIENTS];
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GArray) road = g_array_new (FALSE, FALSE, sizeof (guint));
  int running;
  gint64 t0, t1, total = 0;

  g_test_init (&argc, &argv, NULL);
  ttsh_tls_harden ();
  g_setenv ("TTSH_SERVER_RATE", "100000:100000", TRUE);
  ts_start (&ts, NULL);
  {
    /* Enough connections for every client at once. */
    g_autofree char *ca = g_build_filename (ts.dir, "ca.pem", NULL);
    g_autoptr(GTlsDatabase) db = g_tls_file_database_new (ca, NULL);
    g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
    g_clear_object (&ts.session);
    ts.session = soup_session_new_with_options ("tls-database", db, "timeout", 60, "proxy-resolver", direct,
                                                "max-conns", 128, "max-conns-per-host", 128, NULL);
  }
  session = exam_sim_make_session ("K-BENCH", TS_CENTRE, N_CANDIDATES, 11);
  c08 = ts_login (&ts, "c08");
  sh = ts_login (&ts, "sa-hinh");
  dt = ts_login (&ts, "duong-truong");
  {
    g_autoptr(JsonObject) env = ts_call_node (&ts, "POST", "/exam-sessions", c08, session);
    g_assert_cmpint (ts_code (env), ==, 1);
  }

  /* 1. Throughput: 20 clients, closed loop, batches of 100 process records. */
  for (guint k = 0; k < N_CLIENTS; k++)
    {
      JsonArray *att = json_array_new ();
      Client *c = &clients[k];

      memset (c, 0, sizeof *c);
      c->ts = &ts;
      c->token = sh;
      c->bodies = g_ptr_array_new_with_free_func (g_free);
      c->latency_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      c->running = &running;
      c->loop = loop;
      for (guint j = 0; j < PER_CLIENT; j++)
        json_array_add_object_element (att, present (k * PER_CLIENT + j, "SA_HINH"));
      post_sync (&ts, sh, "/attendance", att);
      for (int b = 0; b < BATCHES; b++)
        {
          JsonArray *list = json_array_new ();
          for (guint j = 0; j < PER_CLIENT; j++)
            for (int s = 1; s <= 5; s++)
              {
                int seq = b * 5 + s;
                json_array_add_object_element (list, record (k * PER_CLIENT + j, "SA_HINH", seq,
                                                             seq == 1 ? "BAT_DAU" : "DANG_THI", FALSE));
              }
          g_ptr_array_add (c->bodies, batch_text (list));
        }
    }
  running = N_CLIENTS;
  t0 = g_get_monotonic_time ();
  for (guint k = 0; k < N_CLIENTS; k++)
    send_next (&clients[k], "/process");
  g_main_loop_run (loop);
  t1 = g_get_monotonic_time ();
  for (guint k = 0; k < N_CLIENTS; k++)
    total += clients[k].accepted;
  g_assert_cmpint (total, ==, N_CLIENTS * BATCHES * PER_CLIENT * 5);
  printf ("BENCH ingest_accepted_records_per_s_20_clients %.0f records/s\n", total / ((t1 - t0) / 1e6));
  {
    g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
    for (guint k = 0; k < N_CLIENTS; k++)
      g_array_append_vals (all, clients[k].latency_us->data, clients[k].latency_us->len);
    printf ("BENCH ingest_batch100_p50_ms_20_clients %.1f ms\n", percentile (all, 0.50) / 1000.0);
  }

  /* 2. Steady 200 records/s: each client sends 10 records every second. */
  {
    g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
    int seconds = 15;

    for (guint k = 0; k < N_CLIENTS; k++)
      {
        g_array_set_size (clients[k].latency_us, 0);
        clients[k].loop = NULL;
      }
    running = 0;
    for (int sec = 0; sec < seconds; sec++)
      {
        for (guint k = 0; k < N_CLIENTS; k++)
          {
            JsonArray *list = json_array_new ();
            g_autofree char *text = NULL;
            for (guint j = 0; j < 10; j++)
              {
                guint cand = k * PER_CLIENT + (guint) ((sec * 10 + j) % PER_CLIENT);
                int seq = BATCHES * 5 + 1 + (sec * 10 + (int) j) / PER_CLIENT;
                json_array_add_object_element (list, record (cand, "SA_HINH", seq, "DANG_THI", FALSE));
              }
            text = batch_text (list);
            running++;
            send_body (&clients[k], "/process", text);
            ttsh_test_run_for (1000 / N_CLIENTS);
          }
      }
    wait_until (&running);
    for (guint k = 0; k < N_CLIENTS; k++)
      g_array_append_vals (all, clients[k].latency_us->data, clients[k].latency_us->len);
    printf ("BENCH ingest_p50_ms_at_200_records_per_s %.1f ms\n", percentile (all, 0.50) / 1000.0);
    printf ("BENCH ingest_p99_ms_at_200_records_per_s %.1f ms\n", percentile (all, 0.99) / 1000.0);
  }

  /* 3. 50 road vehicles, one record with one GPS point per second each. */
  {
    JsonArray *att = json_array_new ();
    JsonArray *start = json_array_new ();
    Client v = { 0 };
    int seconds = 20;
    gint64 cpu0, cpu1, w0, w1, syncs0;

    for (guint i = 0; i < N_CANDIDATES && road->len < N_VEHICLES; i++)
      {
        JsonArray *c = json_object_get_array_member (
            json_array_get_object_element (json_object_get_array_member (json_node_get_object (session), "HocVien"), i),
            "NoiDungSatHach");
        for (guint k = 0; k < json_array_get_length (c); k++)
          if (g_str_equal (json_array_get_string_element (c, k), "DUONG_TRUONG"))
            g_array_append_val (road, i);
      }
    g_assert_cmpuint (road->len, ==, N_VEHICLES);
    for (guint n = 0; n < road->len; n++)
      {
        json_array_add_object_element (att, present (g_array_index (road, guint, n), "DUONG_TRUONG"));
        json_array_add_object_element (start, record (g_array_index (road, guint, n), "DUONG_TRUONG", 1, "BAT_DAU", TRUE));
      }
    post_sync (&ts, dt, "/attendance", att);
    post_sync (&ts, dt, "/process", start);

    v.ts = &ts;
    v.token = dt;
    v.latency_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    v.running = &running;
    running = 0;
    syncs0 = engine_syncs (&ts);
    cpu0 = engine_cpu_ns (&ts);
    w0 = g_get_monotonic_time ();
    for (int sec = 0; sec < seconds; sec++)
      for (guint n = 0; n < road->len; n++)
        {
          JsonArray *list = json_array_new ();
          g_autofree char *text = NULL;
          json_array_add_object_element (list, record (g_array_index (road, guint, n), "DUONG_TRUONG", sec + 2,
                                                       "DANG_THI", TRUE));
          text = batch_text (list);
          running++;
          send_body (&v, "/process", text);
          ttsh_test_run_for (1000 / N_VEHICLES);
        }
    wait_until (&running);
    w1 = g_get_monotonic_time ();
    cpu1 = engine_cpu_ns (&ts);
    g_assert_cmpuint (v.accepted, ==, (guint) (seconds * N_VEHICLES));
    printf ("BENCH ingest_engine_cpu_50_vehicles_1hz %.2f %%core\n",
            100.0 * (cpu1 - cpu0) / ((w1 - w0) * 1000.0));
    printf ("BENCH ingest_p99_ms_50_vehicles_1hz %.1f ms\n", percentile (v.latency_us, 0.99) / 1000.0);
    printf ("BENCH ingest_uploads_per_wal_sync_50_vehicles_1hz %.2f uploads\n",
            (double) (seconds * N_VEHICLES) / MAX (1, engine_syncs (&ts) - syncs0));
    g_array_unref (v.latency_us);
  }

  for (guint k = 0; k < N_CLIENTS; k++)
    {
      g_ptr_array_unref (clients[k].bodies);
      g_array_unref (clients[k].latency_us);
    }
  json_node_unref (session);
  ts_stop (&ts);
  return 0;
}
