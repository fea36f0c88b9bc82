/* ttsh-status.h — the engine's state as one JSON object (contract §7).
 *
 * Runtime facts about C08 (status, token expiry, clock skew) live in the
 * `meta` table under the keys below, written by the sender, so that
 * `ttsh-engine status` reads them from another process. */
#pragma once

#include <json-glib/json-glib.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_META_C08_STATUS         "c08.status"          /* SAN_SANG | BAN | UNKNOWN */
#define TTSH_META_C08_STATUS_NEXT    "c08.status-next"     /* ThoiDiemCapNhatTiepTheo */
#define TTSH_META_C08_STATUS_AT      "c08.status-at"       /* unix ms of last check */
#define TTSH_META_C08_TOKEN_EXPIRES  "c08.token-expires"   /* unix ms */
#define TTSH_META_C08_CLOCK_SKEW     "c08.clock-skew-ms"   /* C08 minus ours, ms */
#define TTSH_META_C08_CLOCK_AT       "c08.clock-at"        /* unix ms of last check */
#define TTSH_META_C08_STOPPED        "c08.stopped"         /* stop condition code or empty */
#define TTSH_META_C08_LAST_ERROR     "c08.last-error"      /* "code message" */
#define TTSH_META_CLIENTS_CONNECTED  "server.clients"      /* distinct clients in the last 5 min */

/* Late-record threshold: alarm before the 30-minute legal limit. */
#define TTSH_LATE_ALARM_MS   (20 * 60 * 1000)
#define TTSH_LEGAL_LIMIT_MS  (30 * 60 * 1000)

JsonNode *ttsh_status_build (TtshStore  *store,
                             GError    **error);

G_END_DECLS
