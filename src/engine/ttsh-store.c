/* ttsh-store.c — SQLite connection, migrations, sealing helpers, lock.
 *
 * Migrations are the numbered SQL files of data/migrations, compiled into
 * the engine as a GResource and applied in order inside one transaction
 * each; PRAGMA user_version records the last one applied. */
#define G_LOG_DOMAIN "ttsh-store"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ttsh-store.h"

G_DEFINE_QUARK (ttsh-store-error-quark, ttsh_store_error)

#define MIGRATIONS_PATH "/vn/ttsh/engine/migrations"

struct _TtshStore {
  sqlite3        *db;
  char           *path;
  TtshKeyring    *keys;
  GHashTable     *stmts;   /* const char *sql (interned) -> sqlite3_stmt* */
  GHashTable     *by_ptr;  /* the caller's sql pointer -> the same statement */
  TtshStoreFlags  flags;
  guint64         accounts_epoch;
  gboolean        unsynced;      /* commits whose WAL frames may not be on disk yet */
  gboolean        unsynced_txn;  /* the open transaction commits without a sync */
  guint64         syncs;         /* ttsh_store_sync calls that synced something */
};

gint64
ttsh_now_ms (void)
{
  return g_get_real_time () / 1000;
}

gboolean
ttsh_store_set_error (TtshStore  *self,
                      int         rc,
                      GError    **error)
{
  int code = (rc & 0xff) == SQLITE_CONSTRAINT ? TTSH_STORE_ERROR_CONSTRAINT : TTSH_STORE_ERROR_SQL;

  g_set_error (error, TTSH_STORE_ERROR, code, "SQLite: %s (%d)",
               self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc), rc);
  return FALSE;
}

gboolean
ttsh_store_exec (TtshStore   *self,
                 const char  *sql,
                 GError     **error)
{
  char *msg = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, TTSH_STORE_ERROR,
                   (rc & 0xff) == SQLITE_CONSTRAINT ? TTSH_STORE_ERROR_CONSTRAINT : TTSH_STORE_ERROR_SQL,
                   "SQLite: %s (%d)", msg ? msg : sqlite3_errstr (rc), rc);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
ttsh_store_prepare (TtshStore   *self,
                    const char  *sql,
                    GError     **error)
{
  const char *key;
  sqlite3_stmt *stmt = g_hash_table_lookup (self->by_ptr, sql);
  int rc;

  /* Most callers pass the same literal each time: found by its address,
   * with the text compared in case a freed string's address was reused.
   * Otherwise keys are interned: look up by the interned pointer, or every
   * call prepares (and finalizes the cached one) anew. */
  if (stmt == NULL || strcmp (sqlite3_sql (stmt), sql) != 0)
    {
      key = g_intern_string (sql);
      stmt = g_hash_table_lookup (self->stmts, key);
      if (stmt == NULL)
        {
          rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
          if (rc != SQLITE_OK)
            {
              ttsh_store_set_error (self, rc, error);
              return NULL;
            }
          g_hash_table_insert (self->stmts, (gpointer) key, stmt);
        }
      /* Callers that build their SQL each time leave addresses behind:
       * keep the map about the size of the cache. */
      if (g_hash_table_size (self->by_ptr) > 2 * g_hash_table_size (self->stmts) + 64)
        g_hash_table_remove_all (self->by_ptr);
      g_hash_table_insert (self->by_ptr, (gpointer) sql, stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

gboolean
ttsh_store_step_done (TtshStore     *self,
                      sqlite3_stmt  *stmt,
                      GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (self, rc, error);
  return TRUE;
}

/* One statement without parameters, prepared once rather than parsed on
 * each call as ttsh_store_exec would: for those run on every transaction. */
gboolean
ttsh_store_run (TtshStore   *self,
                const char  *sql,
                GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (self, sql, error);

  return stmt != NULL && ttsh_store_step_done (self, stmt, error);
}

static void
restore_full (TtshStore *self)
{
  self->unsynced_txn = FALSE;
  /* Only fails without memory; a store left at NORMAL would acknowledge
   * commits that a power cut can undo. */
  if (!ttsh_store_run (self, "PRAGMA synchronous = FULL", NULL))
    g_error ("cannot restore PRAGMA synchronous = FULL");
}

gboolean
ttsh_store_begin (TtshStore  *self,
                  GError    **error)
{
  /* An unsynced transaction ended outside ttsh_store_commit or
   * ttsh_store_rollback (SQLite rolls back by itself on some errors) must
   * not leave the next one at NORMAL. */
  if (self->unsynced_txn && sqlite3_get_autocommit (self->db))
    restore_full (self);
  return ttsh_store_run (self, "BEGIN IMMEDIATE", error);
}

gboolean
ttsh_store_commit (TtshStore  *self,
                   GError    **error)
{
  if (!ttsh_store_run (self, "COMMIT", error))
    {
      ttsh_store_rollback (self);
      return FALSE;
    }
  if (self->unsynced_txn)
    {
      self->unsynced = TRUE;
      restore_full (self);
    }
  else if (!(self->flags & TTSH_STORE_SYNC_NORMAL))
    self->unsynced = FALSE;   /* FULL synced the WAL, earlier frames included */
  return TRUE;
}

/* Group commit: a transaction whose commit becomes visible at once while
 * the WAL is synced later, by ttsh_store_sync, once for every commit made
 * meanwhile. Until then nothing may leave the process on the strength of
 * it. SQLite takes the safety level only outside a transaction. */
gboolean
ttsh_store_begin_unsynced (TtshStore  *self,
                           GError    **error)
{
  if (self->flags & TTSH_STORE_SYNC_NORMAL)
    return ttsh_store_begin (self, error);
  if (!ttsh_store_run (self, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  self->unsynced_txn = TRUE;
  if (!ttsh_store_run (self, "BEGIN IMMEDIATE", error))
    {
      restore_full (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
ttsh_store_needs_sync (TtshStore *self)
{
  return self->unsynced;
}

/* Makes every commit so far durable: one fdatasync of the WAL, the sync a
 * synchronous = FULL commit would have made. */
gboolean
ttsh_store_sync (TtshStore  *self,
                 GError    **error)
{
  sqlite3_file *wal = NULL;
  int rc;

  if (!self->unsynced)
    return TRUE;
  rc = sqlite3_file_control (self->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc == SQLITE_OK && (wal == NULL || wal->pMethods == NULL))
    rc = SQLITE_IOERR_FSYNC;
  if (rc == SQLITE_OK)
    rc = wal->pMethods->xSync (wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    return ttsh_store_set_error (self, rc, error);
  self->unsynced = FALSE;
  self->syncs++;
  return TRUE;
}

guint64
ttsh_store_sync_count (TtshStore *self)
{
  return self->syncs;
}

void
ttsh_store_rollback (TtshStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (self->unsynced_txn)
    restore_full (self);
}

static int
migration_number (const char *name)
{
  guint64 n;
  char digits[8] = { 0 };
  guint i;

  for (i = 0; i < sizeof digits - 1 && g_ascii_isdigit (name[i]); i++)
    digits[i] = name[i];
  if (i == 0 || name[i] != '_' || !g_str_has_suffix (name, ".sql") ||
      !g_ascii_string_to_unsigned (digits, 10, 1, 9999, &n, NULL))
    return -1;
  return (int) n;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return migration_number (*(char **) a) - migration_number (*(char **) b);
}

static gboolean
migrate (TtshStore  *self,
         GError    **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  int current = ttsh_store_schema_version (self);

  names = g_resources_enumerate_children (MIGRATIONS_PATH, 0, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    if (migration_number (names[i]) > 0)
      g_ptr_array_add (sorted, names[i]);
  g_ptr_array_sort (sorted, compare_names);

  for (guint i = 0; i < sorted->len; i++)
    {
      const char *name = g_ptr_array_index (sorted, i);
      int number = migration_number (name);
      g_autofree char *rpath = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *sql = NULL;
      g_autofree char *pragma = NULL;
      g_autoptr(GError) local_error = NULL;

      if (number <= current)
        continue;
      if (i > 0 && migration_number (g_ptr_array_index (sorted, i - 1)) == number)
        {
          g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_MIGRATION,
                       "two migrations numbered %d", number);
          return FALSE;
        }
      rpath = g_build_path ("/", MIGRATIONS_PATH, name, NULL);
      bytes = g_resources_lookup_data (rpath, 0, error);
      if (bytes == NULL)
        return FALSE;
      sql = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      pragma = g_strdup_printf ("PRAGMA user_version = %d", number);

      if (!ttsh_store_begin (self, error))
        return FALSE;
      if (!ttsh_store_exec (self, sql, &local_error) ||
          !ttsh_store_exec (self, pragma, &local_error) ||
          !ttsh_store_commit (self, &local_error))
        {
          ttsh_store_rollback (self);
          g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_MIGRATION,
                       _("migration %s failed: %s"), name, local_error->message);
          return FALSE;
        }
      g_debug ("applied migration %s", name);
      current = number;
    }
  return TRUE;
}

int
ttsh_store_schema_version (TtshStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int v = 0;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static void
accounts_changed (sqlite3_context *ctx,
                  int              argc,
                  sqlite3_value  **argv)
{
  TtshStore *self = sqlite3_user_data (ctx);

  self->accounts_epoch++;
  sqlite3_result_null (ctx);
}

/* Every write to the API accounts or their tokens through this connection
 * moves the epoch, whichever code makes it: the server may then keep the
 * outcome of a token check until the epoch moves. TEMP triggers live with
 * the connection and leave the schema alone. */
static gboolean
watch_accounts (TtshStore  *self,
                GError    **error)
{
  static const char *const tables[] = { "api_client", "api_token" };
  static const char *const events[] = { "INSERT", "UPDATE", "DELETE" };
  int rc = sqlite3_create_function (self->db, "ttsh_accounts_changed", 0, SQLITE_UTF8, self,
                                    accounts_changed, NULL, NULL);

  if (rc != SQLITE_OK)
    return ttsh_store_set_error (self, rc, error);
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (guint e = 0; e < G_N_ELEMENTS (events); e++)
      {
        g_autofree char *sql = g_strdup_printf (
            "CREATE TEMP TRIGGER watch_%s_%s AFTER %s ON main.%s "
            "BEGIN SELECT ttsh_accounts_changed (); END",
            tables[t], events[e], events[e], tables[t]);
        if (!ttsh_store_exec (self, sql, error))
          return FALSE;
      }
  return TRUE;
}

guint64
ttsh_store_accounts_epoch (TtshStore *self)
{
  return self->accounts_epoch;
}

gint64
ttsh_store_data_version (TtshStore *self)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (self, "PRAGMA data_version", NULL);
  gint64 v = -1;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return v;
}

TtshStore *
ttsh_store_open (const char      *path,
                 TtshStoreFlags   flags,
                 GError         **error)
{
  g_autoptr(TtshStore) self = g_new0 (TtshStore, 1);
  g_autofree char *key_path = NULL;
  gboolean ro = (flags & TTSH_STORE_READ_ONLY) != 0;
  int rc;

  self->path = g_strdup (path);
  self->flags = flags;
  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) sqlite3_finalize);
  self->by_ptr = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (ro && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("database %s does not exist"), path);
      return NULL;
    }
  if (!ro)
    {
      g_autofree char *dir = g_path_get_dirname (path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                       _("cannot create folder %s: %s"), dir, g_strerror (errno));
          return NULL;
        }
    }

  key_path = g_strconcat (path, ".key", NULL);
  if (ro && !g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("key file %s does not exist"), key_path);
      return NULL;
    }
  self->keys = ttsh_keyring_load_or_create (key_path, error);
  if (self->keys == NULL)
    return NULL;

  if (!ro)
    {
      /* Create the file ourselves so personal data is never world-readable;
       * SQLite gives the -wal and -shm files the database file's mode. */
      int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0)
        close (fd);
    }

  rc = sqlite3_open_v2 (path, &self->db,
                        (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("cannot open database %s: %s"), path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 1);

  /* Statement journals and sort spills stay in memory: no plaintext
   * fragments of records in /var/tmp, and no file created and unlinked
   * for each insert into a large row. */
  if (!ttsh_store_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !ttsh_store_exec (self, "PRAGMA temp_store = MEMORY", error))
    return NULL;
  if (!ro)
    {
      g_autoptr(GError) local_error = NULL;
      if (!ttsh_store_exec (self, "PRAGMA journal_mode = WAL", &local_error))
        {
          g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                       _("cannot open database %s: %s"), path, local_error->message);
          return NULL;
        }
      /* FULL: a committed outbox record survives power loss (issue: crash safety). */
      if (!ttsh_store_exec (self, (flags & TTSH_STORE_SYNC_NORMAL) ?
                            "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", error) ||
          !ttsh_store_exec (self, "PRAGMA secure_delete = ON", error) ||
          !migrate (self, error))
        return NULL;
    }
  else if (ttsh_store_schema_version (self) == 0)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("database %s has no schema yet"), path);
      return NULL;
    }
  if (!watch_accounts (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ttsh_store_free (TtshStore *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_ptr, g_hash_table_unref);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->keys, ttsh_keyring_free);
  g_free (self->path);
  g_free (self);
}

sqlite3 *
ttsh_store_db (TtshStore *self)
{
  return self->db;
}

const char *
ttsh_store_path (TtshStore *self)
{
  return self->path;
}

TtshKeyring *
ttsh_store_keys (TtshStore *self)
{
  return self->keys;
}

void
ttsh_store_bind_sealed (TtshStore     *self,
                        sqlite3_stmt  *stmt,
                        int            idx,
                        const void    *data,
                        gsize          len,
                        const char    *aad)
{
  g_autoptr(GBytes) sealed = NULL;
  gsize size;
  const void *p;

  if (data == NULL)
    {
      sqlite3_bind_null (stmt, idx);
      return;
    }
  sealed = ttsh_seal (self->keys, data, len, aad);
  p = g_bytes_get_data (sealed, &size);
  sqlite3_bind_blob (stmt, idx, p, (int) size, SQLITE_TRANSIENT);
}

GBytes *
ttsh_store_column_unsealed (TtshStore     *self,
                            sqlite3_stmt  *stmt,
                            int            col,
                            const char    *aad,
                            GError       **error)
{
  const void *blob;
  int len;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  blob = sqlite3_column_blob (stmt, col);
  len = sqlite3_column_bytes (stmt, col);
  return ttsh_unseal (self->keys, blob, (gsize) len, aad, error);
}

gboolean
ttsh_store_meta_set (TtshStore   *self,
                     const char  *key,
                     const char  *value,
                     GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (self,
      "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, ttsh_now_ms ());
  return ttsh_store_step_done (self, stmt, error);
}

char *
ttsh_store_meta_get (TtshStore  *self,
                     const char *key)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

int
ttsh_store_lock (const char  *db_path,
                 GError     **error)
{
  g_autofree char *lock_path = g_strconcat (db_path, ".lock", NULL);
  g_autofree char *dir = g_path_get_dirname (db_path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("cannot create folder %s: %s"), dir, g_strerror (errno));
      return -1;
    }
  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN,
                   _("cannot open lock file %s: %s"), lock_path, g_strerror (errno));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      char pid[32] = { 0 };
      ssize_t n = pread (fd, pid, sizeof pid - 1, 0);
      close (fd);
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_LOCKED,
                   _("another engine (pid %s) is already running on database %s"),
                   n > 0 ? g_strstrip (pid) : "?", db_path);
      return -1;
    }
  {
    g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
    if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
      g_debug ("could not record pid in %s", lock_path);
  }
  return fd;
}

void
ttsh_store_unlock (int fd)
{
  if (fd >= 0)
    close (fd);
}
