/* ttsh-test-engine.h — reading the database of a running TtshEngine from a
 * test, on the engine's own thread (where its SQLite connection lives). */
#pragma once

#include "ttsh-engine.h"

typedef struct {
  const char *sql;
  gint64      value;
  char       *text;
} TtshTestQuery;

static inline gpointer
ttsh_test_query_func (TtshEngine  *engine,
                      TtshStore   *store,
                      gpointer     data,
                      GError     **error)
{
  TtshTestQuery *q = data;
  sqlite3_stmt *stmt = ttsh_store_prepare (store, q->sql, error);

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      q->value = sqlite3_column_int64 (stmt, 0);
      q->text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return GINT_TO_POINTER (1);
}

/* First column of the first row of @sql, as a number (0 when no row). */
static inline gint64
ttsh_test_engine_int (TtshEngine *engine,
                      const char *sql)
{
  g_autoptr(GError) error = NULL;
  TtshTestQuery q = { .sql = sql };

  g_assert_nonnull (ttsh_engine_call_sync (engine, ttsh_test_query_func, &q, &error));
  g_assert_no_error (error);
  g_free (q.text);
  return q.value;
}

/* The same as text (NULL when no row or NULL), owned by the caller. */
static inline char *
ttsh_test_engine_text (TtshEngine *engine,
                       const char *sql)
{
  g_autoptr(GError) error = NULL;
  TtshTestQuery q = { .sql = sql };

  g_assert_nonnull (ttsh_engine_call_sync (engine, ttsh_test_query_func, &q, &error));
  g_assert_no_error (error);
  return q.text;
}
