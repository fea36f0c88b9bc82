/* ttsh-store.h — the durable SQLite store of the engine.
 *
 * A TtshStore is one connection, used by one thread. It owns the keyring
 * that seals personal data; the engine's lock file guarantees that only one
 * engine writes a database at a time. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "ttsh-crypto.h"

G_BEGIN_DECLS

#define TTSH_STORE_ERROR (ttsh_store_error_quark ())

typedef enum {
  TTSH_STORE_ERROR_OPEN,
  TTSH_STORE_ERROR_LOCKED,
  TTSH_STORE_ERROR_MIGRATION,
  TTSH_STORE_ERROR_SQL,
  TTSH_STORE_ERROR_CONSTRAINT,
  TTSH_STORE_ERROR_NOT_FOUND,
} TtshStoreError;

typedef enum {
  TTSH_STORE_NONE      = 0,
  TTSH_STORE_READ_ONLY = 1 << 0, /* status and audit verify: no lock, no migrations */
  TTSH_STORE_SYNC_NORMAL = 1 << 1, /* benchmarks only: default is synchronous=FULL */
} TtshStoreFlags;

typedef struct _TtshStore TtshStore;

GQuark        ttsh_store_error_quark (void);

TtshStore    *ttsh_store_open        (const char      *path,
                                      TtshStoreFlags   flags,
                                      GError         **error);
void          ttsh_store_free        (TtshStore       *self);
sqlite3      *ttsh_store_db          (TtshStore       *self);
const char   *ttsh_store_path        (TtshStore       *self);
TtshKeyring  *ttsh_store_keys        (TtshStore       *self);
int           ttsh_store_schema_version (TtshStore    *self);

/* Moves on every write to api_client or api_token through this store. */
guint64       ttsh_store_accounts_epoch (TtshStore    *self);
/* PRAGMA data_version: moves when another connection commits. */
gint64        ttsh_store_data_version (TtshStore      *self);
/* Cached prepared statement, reset and with bindings cleared. */
sqlite3_stmt *ttsh_store_prepare     (TtshStore       *self,
                                      const char      *sql,
                                      GError         **error);
/* One cached statement without parameters, stepped to its end. */
gboolean      ttsh_store_run         (TtshStore       *self,
                                      const char      *sql,
                                      GError         **error);
gboolean      ttsh_store_exec        (TtshStore       *self,
                                      const char      *sql,
                                      GError         **error);
gboolean      ttsh_store_begin       (TtshStore       *self,
                                      GError         **error);
gboolean      ttsh_store_commit      (TtshStore       *self,
                                      GError         **error);
void          ttsh_store_rollback    (TtshStore       *self);
gboolean      ttsh_store_begin_unsynced (TtshStore    *self,
                                      GError         **error);
gboolean      ttsh_store_needs_sync  (TtshStore       *self);
gboolean      ttsh_store_sync        (TtshStore       *self,
                                      GError         **error);
guint64       ttsh_store_sync_count  (TtshStore       *self);
gboolean      ttsh_store_set_error   (TtshStore       *self,
                                      int              rc,
                                      GError         **error);

/* Step a write statement to completion; FALSE with error on failure. */
gboolean      ttsh_store_step_done   (TtshStore       *self,
                                      sqlite3_stmt    *stmt,
                                      GError         **error);

/* Personal data: bind sealed, read unsealed. aad ties a value to its column. */
void          ttsh_store_bind_sealed (TtshStore       *self,
                                      sqlite3_stmt    *stmt,
                                      int              idx,
                                      const void      *data,
                                      gsize            len,
                                      const char      *aad);
GBytes       *ttsh_store_column_unsealed (TtshStore   *self,
                                          sqlite3_stmt *stmt,
                                          int           col,
                                          const char   *aad,
                                          GError      **error);

/* Small key/value runtime state (C08 status, token expiry, clock skew...). */
gboolean      ttsh_store_meta_set    (TtshStore       *self,
                                      const char      *key,
                                      const char      *value,
                                      GError         **error);
char         *ttsh_store_meta_get    (TtshStore       *self,
                                      const char      *key);

gint64        ttsh_now_ms            (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshStore, ttsh_store_free)

/* Lock of one engine per database: held while the returned fd is open. */
int           ttsh_store_lock        (const char      *db_path,
                                      GError         **error);
void          ttsh_store_unlock      (int              fd);

G_END_DECLS
