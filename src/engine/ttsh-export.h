/* ttsh-export.h — the error queue as a spreadsheet for reports and
 * reconciliation with C08: CSV (UTF-8 with BOM, RFC 4180) or XLSX.
 *
 * Pure file output from records already read: safe on any thread. No
 * payloads, so no citizen IDs or photos leave the store this way. */
#pragma once

#include "ttsh-errors.h"

G_BEGIN_DECLS

typedef enum {
  TTSH_EXPORT_CSV,
  TTSH_EXPORT_XLSX,
} TtshExportFormat;

#define TTSH_EXPORT_ERROR (ttsh_export_error_quark ())

typedef enum {
  TTSH_EXPORT_ERROR_WRITE,
} TtshExportError;

GQuark   ttsh_export_error_quark   (void);

/* CSV unless the name ends in .xlsx. */
TtshExportFormat ttsh_export_format_for_path (const char *path);

/* @records: TtshErrorRecord, in the order to write them. */
gboolean ttsh_export_errors (GPtrArray         *records,
                             TtshExportFormat   format,
                             const char        *path,
                             GError           **error);

G_END_DECLS
