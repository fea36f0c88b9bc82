/* ttsh-outbox.h — the durable queue of records to send to C08.
 *
 * Enqueue is one INSERT in the caller's transaction: a record is durable
 * (synchronous=FULL) before anything tries to send it. Records of one stream
 * (session + candidate + content, or a cancellation/summary stream) are sent
 * in stream_seq order. The payload is the exact JSON record sent to C08,
 * TransactionCode included, sealed at rest. */
#pragma once

#include <json-glib/json-glib.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

typedef enum {
  TTSH_OUTBOX_PENDING,
  TTSH_OUTBOX_INFLIGHT,
  TTSH_OUTBOX_ACCEPTED,
  TTSH_OUTBOX_ERROR,
} TtshOutboxState;

/* Associated data of the sealed payload column (readers unseal with it). */
#define TTSH_OUTBOX_PAYLOAD_AAD "outbox.payload_sealed"

const char *ttsh_outbox_state_to_string   (TtshOutboxState state);
gboolean    ttsh_outbox_state_from_string (const char      *text,
                                           TtshOutboxState *state);

/* Builds "<MaTTSH>-<yyyymmdd>-<kind>-<ULID>" (≤ 64 chars, [A-Za-z0-9._:-]). */
char   *ttsh_outbox_new_transaction_code (const char *centre_code,
                                          const char *kind);

/* Stream key for ordering: "<session>/<candidate reg code>/<content>". */
char   *ttsh_outbox_stream_key (const char *session_code,
                                const char *reg_code,
                                const char *content);

/* Inserts one record. @record is a JSON object WITHOUT TransactionCode:
 * the outbox assigns the code (returned in @out_code) and inserts it as the
 * record's first member before sealing. stream_seq is assigned as the next
 * in @stream. Works inside the caller's open transaction (it does not
 * commit); outside one it commits its own. Returns the outbox id or 0. */
gint64  ttsh_outbox_enqueue (TtshStore    *store,
                             const char   *centre_code,
                             const char   *kind,
                             const char   *stream,
                             const char   *session_code,
                             gint64        candidate_id,   /* 0: none */
                             JsonObject   *record,
                             char        **out_code,
                             GError      **error);

/* The exact bytes of a record's payload as sent to C08 (unsealed). */
GBytes *ttsh_outbox_read_payload (TtshStore  *store,
                                  gint64      id,
                                  GError    **error);

G_END_DECLS
