/* ttsh-validate.c — strict parsing and field checks of untrusted input.
 *
 * Everything the API server accepts passes through here first, so a hostile
 * body is refused with the contract's code before it reaches json-glib's
 * recursion or the store. */
#define G_LOG_DOMAIN "ttsh-validate"
#include "config.h"

#include <string.h>

#include "ttsh-validate.h"

JsonNode *
ttsh_json_parse_bounded (const char  *data,
                         gsize        len,
                         guint        max_depth,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  gboolean in_string = FALSE;
  guint depth = 0;

  /* json-glib 1.6 parses recursively without a limit: count first. */
  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "Dữ liệu JSON lồng nhau quá %u mức", max_depth);
              return NULL;
            }
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
        }
      else if (c == '\0')
        {
          g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                               "Dữ liệu JSON chứa ký tự NUL");
          return NULL;
        }
    }
  if (!g_utf8_validate (data, len, NULL))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "Dữ liệu không phải UTF-8 hợp lệ");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "Dữ liệu JSON rỗng");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

static const char b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
ttsh_base64url_encode (const guint8 *data,
                       gsize         len)
{
  GString *s = g_string_sized_new ((len + 2) / 3 * 4);

  for (gsize i = 0; i < len; i += 3)
    {
      guint32 v = (guint32) data[i] << 16;
      gsize n = MIN (len - i, 3);

      if (n > 1)
        v |= (guint32) data[i + 1] << 8;
      if (n > 2)
        v |= data[i + 2];
      g_string_append_c (s, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (s, b64url_alphabet[(v >> 12) & 63]);
      if (n > 1)
        g_string_append_c (s, b64url_alphabet[(v >> 6) & 63]);
      if (n > 2)
        g_string_append_c (s, b64url_alphabet[v & 63]);
    }
  return g_string_free (s, FALSE);
}

static int
b64_value (const char *alphabet,
           char        c)
{
  const char *p;

  if (c == '\0' || (p = strchr (alphabet, c)) == NULL)
    return -1;
  return (int) (p - alphabet);
}

/* Decodes @len characters that are all in @alphabet, no padding. */
static GBytes *
decode_unpadded (const char *alphabet,
                 const char *text,
                 gsize       len)
{
  guint8 *out;
  gsize o = 0;

  if (len % 4 == 1)
    return NULL;
  out = g_malloc (len / 4 * 3 + 3);
  for (gsize i = 0; i < len; i += 4)
    {
      gsize n = MIN (len - i, 4);
      guint32 v = 0;

      for (gsize k = 0; k < 4; k++)
        {
          int d = k < n ? b64_value (alphabet, text[i + k]) : 0;
          if (d < 0)
            {
              g_free (out);
              return NULL;
            }
          v = (v << 6) | (guint32) d;
        }
      /* Unused trailing bits must be zero: one encoding per value. */
      if ((n == 2 && (v & 0xFFFF)) || (n == 3 && (v & 0xFF)))
        {
          g_free (out);
          return NULL;
        }
      out[o++] = (v >> 16) & 0xFF;
      if (n > 2)
        out[o++] = (v >> 8) & 0xFF;
      if (n > 3)
        out[o++] = v & 0xFF;
    }
  return g_bytes_new_take (out, o);
}

GBytes *
ttsh_base64url_decode (const char *text,
                       gsize       len)
{
  return decode_unpadded (b64url_alphabet, text, len);
}

GBytes *
ttsh_base64_decode_strict (const char *text,
                           gsize       len)
{
  gsize pad = 0;

  if (text == NULL || len == 0 || len % 4 != 0)
    return NULL;
  if (text[len - 1] == '=')
    pad++;
  if (pad && text[len - 2] == '=')
    pad++;
  return decode_unpadded (b64_alphabet, text, len - pad);
}
