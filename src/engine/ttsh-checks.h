/* ttsh-checks.h — the periodic error checks the regulation requires: every
 * hour the exam programs' failed requests, every day the transmission errors.
 *
 * Each run covers the window since the previous one (kept in meta, so a
 * restart neither skips nor repeats a window), raises alarms per finding
 * and journals that the check ran. */
#pragma once

#include "ttsh-engine.h"
#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_JOURNAL_ERRORS_CHECKED  "ERRORS_CHECKED"

#define TTSH_META_CHECKS_HOURLY_AT   "checks.hourly-at"   /* unix ms: end of last window */
#define TTSH_META_CHECKS_DAILY_AT    "checks.daily-at"

#define TTSH_CHECKS_HOURLY_MS        (60 * 60 * 1000)
#define TTSH_CHECKS_DAILY_MS         (24 * 60 * 60 * 1000)

/* Test knobs: TTSH_CHECKS_HOURLY_MS and TTSH_CHECKS_DAILY_MS in the
 * environment shorten the periods. */

/* Failed inbound requests (result_code ≠ 1) in [since, until), per client:
 * one SOURCE_ERRORS alarm per client with findings. */
gboolean ttsh_checks_source_errors       (TtshStore  *store,
                                          gint64      since_ms,
                                          gint64      until_ms,
                                          guint      *n_alarms,
                                          GError    **error);

/* Records in the error queue not yet handled, and those that entered it in
 * [since, until): a DAILY_ERRORS alarm when there are any. */
gboolean ttsh_checks_transmission_errors (TtshStore  *store,
                                          gint64      since_ms,
                                          gint64      until_ms,
                                          guint      *n_alarms,
                                          GError    **error);

extern const TtshEngineComponent ttsh_checks_component;

G_END_DECLS
