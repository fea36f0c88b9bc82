/* ttsh-format.c — numbers and times as Vietnamese readers expect them,
 * independent of the host's locale data (Debian hosts often lack vi_VN). */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>
#include <string.h>

#include "ttsh-format.h"
#include "ttsh-wire.h"

char *
ttsh_format_decimal (double value,
                     int    digits)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char *p;

  if (isnan (value))
    return g_strdup ("—");
  g_ascii_formatd (buf, sizeof buf, digits == 0 ? "%.0f" : digits == 1 ? "%.1f" : "%.2f", value);
  p = strchr (buf, '.');
  if (p != NULL)
    *p = ',';
  return g_strdup (buf);
}

char *
ttsh_format_count (gint64 value)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, value < 0 ? -value : value);
  GString *out = g_string_new (value < 0 ? "-" : "");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, '.');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static GDateTime *
vn_time (gint64 unix_ms)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_ms / 1000);

  return utc ? g_date_time_to_timezone (utc, tz) : NULL;
}

char *
ttsh_format_time_ms (gint64 unix_ms)
{
  g_autoptr(GDateTime) dt = vn_time (unix_ms);

  return dt ? g_date_time_format (dt, "%d/%m/%Y %H:%M") : g_strdup ("—");
}

char *
ttsh_format_clock_ms (gint64 unix_ms)
{
  g_autoptr(GDateTime) dt = vn_time (unix_ms);

  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("—");
}

char *
ttsh_format_iso (const char *iso,
                 gboolean    with_seconds)
{
  g_autoptr(GDateTime) dt = NULL;
  gint64 ms;

  if (iso == NULL || !ttsh_time_parse (iso, &ms))
    return g_strdup (iso ? iso : "—");
  dt = vn_time (ms);
  return g_date_time_format (dt, with_seconds ? "%d/%m/%Y %H:%M:%S" : "%d/%m/%Y %H:%M");
}

char *
ttsh_format_duration (gint64 seconds)
{
  if (seconds < 0)
    seconds = 0;
  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}
