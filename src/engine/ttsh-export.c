/* ttsh-export.c — writing the error queue to CSV or XLSX.
 *
 * Both formats share one column table; a cell is either a number or text.
 * Text that a spreadsheet would run as a formula is prefixed with ' in CSV. */
#define G_LOG_DOMAIN "ttsh-export"
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

#include "ttsh-export.h"
#include "ttsh-wire.h"

G_DEFINE_QUARK (ttsh-export-error-quark, ttsh_export_error)

typedef struct {
  const char *title;
  double      width;
} Column;

static const Column columns[] = {
  { N_("Code"), 7 },
  { N_("Meaning"), 48 },
  { N_("Recommended action"), 48 },
  { N_("Cause"), 22 },
  { N_("Kind"), 13 },
  { N_("TransactionCode"), 44 },
  { N_("Candidate"), 26 },
  { N_("Candidate number"), 12 },
  { N_("Registration code"), 18 },
  { N_("Exam session"), 16 },
  { N_("Content"), 14 },
  { N_("Attempts"), 9 },
  { N_("First error"), 26 },
  { N_("Last error"), 26 },
  { N_("State"), 10 },
  { N_("Handled"), 26 },
  { N_("C08 message"), 40 },
};

enum { COL_CODE, COL_ATTEMPTS = 11, N_COLS = G_N_ELEMENTS (columns) };

TtshExportFormat
ttsh_export_format_for_path (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path ? path : "", -1);
  return g_str_has_suffix (lower, ".xlsx") ? TTSH_EXPORT_XLSX : TTSH_EXPORT_CSV;
}

static char *
time_or_empty (gint64 ms)
{
  return ms > 0 ? ttsh_time_format_ms (ms) : g_strdup ("");
}

/* The text cells of one record; numbers are read from the record. */
static char **
record_cells (TtshErrorRecord *r)
{
  char **cells = g_new0 (char *, N_COLS + 1);
  gboolean has_code = r->code != TTSH_ERRORS_NO_CODE;

  cells[0] = has_code ? g_strdup_printf ("%d", r->code) : g_strdup ("");
  cells[1] = g_strdup (has_code ? ttsh_code_message (r->code) : _("No answer from C08 (connection)"));
  cells[2] = g_strdup (has_code ? ttsh_code_action (r->code)
                                : _("Check the connection to C08, then resend."));
  cells[3] = g_strdup (ttsh_error_cause_label (r->cause));
  cells[4] = g_strdup (r->kind);
  cells[5] = g_strdup (r->transaction_code);
  cells[6] = g_strdup (r->candidate_name);
  cells[7] = g_strdup (r->candidate_no);
  cells[8] = g_strdup (r->reg_code);
  cells[9] = g_strdup (r->session_code);
  cells[10] = g_strdup (r->content);
  cells[11] = g_strdup_printf ("%d", r->attempts);
  cells[12] = time_or_empty (r->first_error_at);
  cells[13] = time_or_empty (r->last_error_at);
  cells[14] = g_strdup (r->state);
  cells[15] = time_or_empty (r->handled_at);
  cells[16] = g_strdup (r->message && *r->message ? r->message : r->reason);
  return cells;
}

static void
csv_append (GString    *out,
            const char *text,
            gboolean    number)
{
  gboolean quote;

  if (number)
    {
      g_string_append (out, text);
      return;
    }
  quote = strpbrk (text, ",\"\r\n") != NULL || *text == '=' || *text == '+' ||
          *text == '-' || *text == '@' || *text == '\t';
  if (!quote)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  if (*text == '=' || *text == '+' || *text == '-' || *text == '@' || *text == '\t')
    g_string_append_c (out, '\'');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
write_csv (GPtrArray   *records,
           const char  *path,
           GError     **error)
{
  g_autoptr(GString) out = g_string_new ("\xEF\xBB\xBF");   /* BOM: spreadsheets read UTF-8 */

  for (guint c = 0; c < N_COLS; c++)
    {
      if (c)
        g_string_append_c (out, ',');
      csv_append (out, _(columns[c].title), FALSE);
    }
  g_string_append (out, "\r\n");
  for (guint i = 0; i < records->len; i++)
    {
      TtshErrorRecord *r = g_ptr_array_index (records, i);
      g_auto(GStrv) cells = record_cells (r);

      for (guint c = 0; c < N_COLS; c++)
        {
          if (c)
            g_string_append_c (out, ',');
          csv_append (out, cells[c], c == COL_ATTEMPTS || (c == COL_CODE && *cells[c]));
        }
      g_string_append (out, "\r\n");
    }
  return g_file_set_contents_full (path, out->str, (gssize) out->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
xlsx_failed (lxw_error    rc,
             const char  *path,
             GError     **error)
{
  if (rc == LXW_NO_ERROR)
    return FALSE;
  g_set_error (error, TTSH_EXPORT_ERROR, TTSH_EXPORT_ERROR_WRITE,
               _("Cannot write “%s”: %s"), path, lxw_strerror (rc));
  return TRUE;
}

static gboolean
write_xlsx (GPtrArray   *records,
            const char  *path,
            GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part.xlsx", NULL);
  lxw_workbook_options options = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
  lxw_workbook *wb = workbook_new_opt (tmp, &options);
  lxw_worksheet *ws;
  lxw_format *bold;
  lxw_error rc = LXW_NO_ERROR;

  if (wb == NULL)
    {
      g_set_error (error, TTSH_EXPORT_ERROR, TTSH_EXPORT_ERROR_WRITE,
                   _("Cannot create “%s”"), path);
      return FALSE;
    }
  ws = workbook_add_worksheet (wb, _("Error queue"));
  bold = workbook_add_format (wb);
  format_set_bold (bold);
  for (guint c = 0; c < N_COLS && rc == LXW_NO_ERROR; c++)
    {
      rc = worksheet_set_column (ws, (lxw_col_t) c, (lxw_col_t) c, columns[c].width, NULL);
      if (rc == LXW_NO_ERROR)
        rc = worksheet_write_string (ws, 0, (lxw_col_t) c, _(columns[c].title), bold);
    }
  worksheet_freeze_panes (ws, 1, 0);
  for (guint i = 0; i < records->len && rc == LXW_NO_ERROR; i++)
    {
      TtshErrorRecord *r = g_ptr_array_index (records, i);
      g_auto(GStrv) cells = record_cells (r);
      lxw_row_t row = (lxw_row_t) i + 1;

      for (guint c = 0; c < N_COLS && rc == LXW_NO_ERROR; c++)
        {
          if (c == COL_ATTEMPTS)
            rc = worksheet_write_number (ws, row, (lxw_col_t) c, r->attempts, NULL);
          else if (c == COL_CODE && r->code != TTSH_ERRORS_NO_CODE)
            rc = worksheet_write_number (ws, row, (lxw_col_t) c, r->code, NULL);
          else if (*cells[c] != '\0')
            rc = worksheet_write_string (ws, row, (lxw_col_t) c, cells[c], NULL);
        }
    }
  if (rc == LXW_NO_ERROR && records->len > 0)
    rc = worksheet_autofilter (ws, 0, 0, (lxw_row_t) records->len, N_COLS - 1);
  if (xlsx_failed (rc, path, error))
    {
      workbook_close (wb);
      g_unlink (tmp);
      return FALSE;
    }
  rc = workbook_close (wb);
  if (xlsx_failed (rc, path, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  /* Written aside then renamed: a reader never sees half a workbook. */
  if (g_rename (tmp, path) != 0)
    {
      int err = errno;
      g_set_error (error, TTSH_EXPORT_ERROR, TTSH_EXPORT_ERROR_WRITE,
                   _("Cannot write “%s”: %s"), path, g_strerror (err));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
ttsh_export_errors (GPtrArray         *records,
                    TtshExportFormat   format,
                    const char        *path,
                    GError           **error)
{
  g_return_val_if_fail (records != NULL && path != NULL, FALSE);

  if (format == TTSH_EXPORT_XLSX)
    return write_xlsx (records, path, error);
  return write_csv (records, path, error);
}
