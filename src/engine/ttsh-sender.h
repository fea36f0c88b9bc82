/* ttsh-sender.h — forwards the outbox to C08 (contract §3, §4).
 *
 * An engine component: logs in, watches C08's clock and status, sends
 * batches per kind in stream order and applies every per-record result in
 * one transaction with its outbox_event rows and journal entries.
 *
 * Retry policy. Answers 0, -99 and HTTP 5xx count as a try of each record
 * of the batch: exponential backoff with full jitter (base, factor 2, cap),
 * then the error queue after TTSH_SENDER_MAX_TRIES. Transport failures
 * (no answer at all) are an outage, not a fault of the records: they back
 * off all sending with the same curve but do not consume tries, so a long
 * outage drains afterwards instead of filling the error queue. -8 (and
 * HTTP 429/503) pauses until the status endpoint says SAN_SANG; -1 logs in
 * again once; -2, -3, -7 stop sending (meta c08.stopped) until
 * ttsh_sender_resume(); -10 stops until the clock check passes again.
 *
 * Tuning by environment (milliseconds unless said), read at start:
 *   TTSH_SENDER_POLL_MS            due-record poll period         (250)
 *   TTSH_SENDER_BACKOFF_BASE_MS    first retry delay              (2000)
 *   TTSH_SENDER_BACKOFF_CAP_MS     longest retry delay          (300000)
 *   TTSH_SENDER_MAX_TRIES          counted tries before ERROR       (12)
 *   TTSH_SENDER_STATUS_INTERVAL_MS status poll period            (60000)
 *   TTSH_SENDER_CLOCK_INTERVAL_MS  clock check period           (600000)
 *   TTSH_SENDER_LATE_MS            unsent age that raises LATE_RECORD
 *                                  (1200000 = 20 min)
 *   TTSH_SENDER_PARALLEL           batches in flight per kind        (2)
 */
#pragma once

#include "ttsh-engine.h"

G_BEGIN_DECLS

extern const TtshEngineComponent ttsh_sender_component;

/* Engine thread. Look at the outbox now (new records, manual resend).
 * Does nothing when the sender is not running. */
void ttsh_sender_wake   (TtshEngine *engine);

/* Engine thread. Clears a stop caused by -2, -3 or -7 once the operator
 * has fixed its cause, and resumes sending. Journaled. A running sender
 * also resumes when it finds meta c08.stopped cleared by someone else. */
gboolean ttsh_sender_resume (TtshEngine  *engine,
                             const char  *operator_name,
                             GError     **error);

/* The store half of ttsh_sender_resume, for another process (the CLI): clears
 * the stop, journals it and clears the stop alarms. A running sender notices
 * the cleared key on its next pump. */
gboolean ttsh_sender_clear_stop (TtshStore   *store,
                                 const char  *operator_name,
                                 gboolean    *was_stopped,
                                 GError     **error);

G_END_DECLS
