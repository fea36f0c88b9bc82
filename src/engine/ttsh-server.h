/* ttsh-server.h — the TTSH API (contract §5) served over HTTPS by the engine.
 *
 * A component of the engine thread: SoupServer on the engine's context, JWT
 * accounts, request limits and timeouts that libsoup does not enforce. */
#pragma once

#include "ttsh-engine.h"

G_BEGIN_DECLS

/* Tunables for tests and benchmarks (environment, read at start):
 * TTSH_SERVER_READ_TIMEOUT_MS  request must be read within (default 30000)
 * TTSH_SERVER_RATE             "PER_SECOND:BURST" per client (default 200:400) */

#define TTSH_SERVER_MAX_FAILED_LOGINS 5
#define TTSH_SERVER_SESSION_BODY_MAX  (64 * 1024 * 1024)

/* Refuses TLS < 1.2 in every GnuTLS connection of the process (client and
 * server). Call before the first TLS connection; idempotent. */
void     ttsh_tls_harden (void);

extern const TtshEngineComponent ttsh_server_component;

G_END_DECLS
