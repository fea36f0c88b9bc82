/* ttsh-format.h — Vietnamese presentation of numbers and times: decimal
 * comma, dd/MM/yyyy HH:mm in Vietnam time (+07:00) whatever the host zone. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *ttsh_format_decimal   (double       value,
                             int          digits);     /* 8,5 */
char *ttsh_format_count     (gint64       value);      /* 10.000 */
char *ttsh_format_time_ms   (gint64       unix_ms);    /* 23/11/2026 14:05 */
char *ttsh_format_clock_ms  (gint64       unix_ms);    /* 14:05:09 */
char *ttsh_format_iso       (const char  *iso,
                             gboolean     with_seconds);
char *ttsh_format_duration  (gint64       seconds);    /* 12:05 or 1:02:03 */

G_END_DECLS
