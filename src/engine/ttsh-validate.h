/* ttsh-validate.h — checks on untrusted input before anything is stored.
 *
 * Parsers here refuse what our Debian 12 stack would mishandle: deep JSON
 * nesting (json-glib 1.6 recurses without limit) and lax base64 (GLib skips
 * characters outside the alphabet). Field checks return the contract code
 * and a Vietnamese message naming the field. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TTSH_JSON_MAX_DEPTH     32
#define TTSH_PHOTO_MAX_BYTES    (1024 * 1024)
#define TTSH_BATCH_MAX_RECORDS  100
#define TTSH_BODY_MAX_BYTES     (8 * 1024 * 1024)

/* Parses @data as JSON after checking the nesting depth (counted outside
 * strings) stays within @max_depth. NULL with a message in @error. */
JsonNode   *ttsh_json_parse_bounded (const char  *data,
                                     gsize        len,
                                     guint        max_depth,
                                     GError     **error);

/* RFC 4648 §5 base64url without padding, strictly: any other character,
 * or impossible trailing bits, fail. */
char       *ttsh_base64url_encode   (const guint8 *data,
                                     gsize         len);
GBytes     *ttsh_base64url_decode   (const char   *text,
                                     gsize         len);

/* Standard base64 with padding, strictly: length multiple of 4, alphabet
 * only, padding only at the end. Returns NULL on any deviation. */
GBytes     *ttsh_base64_decode_strict (const char *text,
                                       gsize       len);

/* Field checks. Errors are in TTSH_INPUT_ERROR with the contract's result
 * code (-4, -9…) as error->code and a Vietnamese message naming the field. */
#define TTSH_INPUT_ERROR (ttsh_input_error_quark ())
GQuark      ttsh_input_error_quark (void);

#define TTSH_TRANSACTION_CODE_MAX 64

/* Strings: present, a JSON string, non-blank, at most @max_chars. Returns
 * NULL without error for an absent/null optional field. */
const char *ttsh_v_string   (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             guint        max_chars,
                             GError     **error);
const char *ttsh_v_enum     (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             const char *const *allowed,
                             GError     **error);
gboolean    ttsh_v_int      (JsonObject  *obj,
                             const char  *name,
                             gint64       min,
                             gint64       max,
                             gint64      *out,
                             GError     **error);
/* Optional number: *present tells whether it was there (not null). */
gboolean    ttsh_v_number   (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             double       min,
                             double       max,
                             double      *out,
                             gboolean    *present,
                             GError     **error);
const char *ttsh_v_time     (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             gint64      *unix_ms,
                             GError     **error);
const char *ttsh_v_date     (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             GError     **error);
const char *ttsh_v_cccd     (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             GError     **error);
const char *ttsh_v_transaction_code (JsonObject *obj,
                                     GError    **error);
/* Optional array: NULL without error when absent or null. */
JsonArray  *ttsh_v_array    (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             guint        max_len,
                             GError     **error);
/* Base64 photo decoding to a JPEG or PNG of at most 1 MiB (-9 when larger).
 * Returns NULL without error when absent and not required. */
GBytes     *ttsh_v_photo    (JsonObject  *obj,
                             const char  *name,
                             gboolean     required,
                             GError     **error);

gboolean    ttsh_image_is_jpeg_or_png (const guint8 *data,
                                       gsize         len);
/* A 12-digit citizen ID agrees with a birth date and gender (NAM|NU):
 * digit 4 encodes century and gender, digits 5–6 the year. */
gboolean    ttsh_cccd_matches (const char *cccd,
                               const char *dob,
                               const char *gender);

extern const char *const ttsh_licence_classes[];
extern const char *const ttsh_content_names[];   /* NULL-terminated */

G_END_DECLS
