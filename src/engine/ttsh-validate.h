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

G_END_DECLS
