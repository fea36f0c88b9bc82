/* ttsh-validate.c — strict parsing and field checks of untrusted input.
 *
 * Everything the API server accepts passes through here first, so a hostile
 * body is refused with the contract's code before it reaches json-glib's
 * recursion or the store. */
#define G_LOG_DOMAIN "ttsh-validate"
#include "config.h"

#include <string.h>

#include <stdlib.h>

#include "ttsh-validate.h"
#include "ttsh-wire.h"

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

G_DEFINE_QUARK (ttsh-input-error-quark, ttsh_input_error)

const char *const ttsh_licence_classes[] = {
  "A1", "A", "B1", "B", "C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE", NULL
};
const char *const ttsh_content_names[] = {
  "LY_THUYET", "MO_PHONG", "SA_HINH", "DUONG_TRUONG", NULL
};

static void
invalid (GError     **error,
         const char  *name,
         const char  *why)
{
  g_set_error (error, TTSH_INPUT_ERROR, -4, "Trường %s %s", name, why);
}

static JsonNode *
member (JsonObject *obj,
        const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return (n == NULL || JSON_NODE_HOLDS_NULL (n)) ? NULL : n;
}

static gboolean
is_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

const char *
ttsh_v_string (JsonObject  *obj,
               const char  *name,
               gboolean     required,
               guint        max_chars,
               GError     **error)
{
  JsonNode *n = member (obj, name);
  const char *s;

  if (n == NULL)
    {
      if (required)
        invalid (error, name, "là bắt buộc nhưng bị thiếu");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      invalid (error, name, "phải là chuỗi ký tự");
      return NULL;
    }
  s = json_node_get_string (n);
  if (is_blank (s))
    {
      invalid (error, name, "không được để trống");
      return NULL;
    }
  if (g_utf8_strlen (s, -1) > (glong) max_chars)
    {
      g_set_error (error, TTSH_INPUT_ERROR, -4, "Trường %s dài quá %u ký tự", name, max_chars);
      return NULL;
    }
  for (const char *p = s; *p; p++)
    if ((guchar) *p < 0x20 && *p != '\t')
      {
        invalid (error, name, "chứa ký tự điều khiển");
        return NULL;
      }
  return s;
}

const char *
ttsh_v_enum (JsonObject  *obj,
             const char  *name,
             gboolean     required,
             const char *const *allowed,
             GError     **error)
{
  GError *local = NULL;
  const char *s = ttsh_v_string (obj, name, required, 32, &local);

  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (s == NULL)
    return NULL;
  if (!g_strv_contains (allowed, s))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);
      g_set_error (error, TTSH_INPUT_ERROR, -4, "Trường %s có giá trị “%s” không hợp lệ (cho phép: %s)",
                   name, s, list);
      return NULL;
    }
  return s;
}

gboolean
ttsh_v_int (JsonObject  *obj,
            const char  *name,
            gint64       min,
            gint64       max,
            gint64      *out,
            GError     **error)
{
  JsonNode *n = member (obj, name);
  gint64 v;

  if (n == NULL)
    {
      invalid (error, name, "là bắt buộc nhưng bị thiếu");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    {
      invalid (error, name, "phải là số nguyên");
      return FALSE;
    }
  v = json_node_get_int (n);
  if (v < min || v > max)
    {
      g_set_error (error, TTSH_INPUT_ERROR, -4,
                   "Trường %s = %" G_GINT64_FORMAT " nằm ngoài khoảng %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT,
                   name, v, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
ttsh_v_number (JsonObject  *obj,
               const char  *name,
               gboolean     required,
               double       min,
               double       max,
               double      *out,
               gboolean    *present,
               GError     **error)
{
  JsonNode *n = member (obj, name);
  GType t;
  double v;

  if (present)
    *present = FALSE;
  if (n == NULL)
    {
      if (required)
        {
          invalid (error, name, "là bắt buộc nhưng bị thiếu");
          return FALSE;
        }
      return TRUE;
    }
  t = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    {
      invalid (error, name, "phải là số");
      return FALSE;
    }
  v = t == G_TYPE_INT64 ? (double) json_node_get_int (n) : json_node_get_double (n);
  if (!(v >= min && v <= max))
    {
      g_set_error (error, TTSH_INPUT_ERROR, -4, "Trường %s = %g nằm ngoài khoảng %g–%g",
                   name, v, min, max);
      return FALSE;
    }
  *out = v;
  if (present)
    *present = TRUE;
  return TRUE;
}

const char *
ttsh_v_time (JsonObject  *obj,
             const char  *name,
             gboolean     required,
             gint64      *unix_ms,
             GError     **error)
{
  GError *local = NULL;
  const char *s = ttsh_v_string (obj, name, required, 40, &local);
  gint64 ms;

  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (s == NULL)
    return NULL;
  /* 2000–2100 keeps nonsense years out of ranges and indexes. */
  if (!ttsh_time_parse (s, &ms) || ms < G_GINT64_CONSTANT (946684800000) ||
      ms > G_GINT64_CONSTANT (4102444800000))
    {
      g_set_error (error, TTSH_INPUT_ERROR, -4,
                   "Trường %s “%s” không phải thời gian ISO 8601 có múi giờ (vd. 2026-11-23T17:40:27+07:00)",
                   name, s);
      return NULL;
    }
  if (unix_ms)
    *unix_ms = ms;
  return s;
}

const char *
ttsh_v_date (JsonObject  *obj,
             const char  *name,
             gboolean     required,
             GError     **error)
{
  GError *local = NULL;
  const char *s = ttsh_v_string (obj, name, required, 10, &local);

  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (s != NULL && !ttsh_date_valid (s))
    {
      g_set_error (error, TTSH_INPUT_ERROR, -4, "Trường %s “%s” không phải ngày hợp lệ YYYY-MM-DD",
                   name, s);
      return NULL;
    }
  return s;
}

const char *
ttsh_v_cccd (JsonObject  *obj,
             const char  *name,
             gboolean     required,
             GError     **error)
{
  GError *local = NULL;
  const char *s = ttsh_v_string (obj, name, required, 12, &local);
  int province;

  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (s == NULL)
    return NULL;
  for (int i = 0; i < 12; i++)
    if (!g_ascii_isdigit (s[i]))
      {
        invalid (error, name, "phải gồm đúng 12 chữ số");
        return NULL;
      }
  /* Digits 1–3: province of registration, 001–096. */
  province = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  if (s[12] != '\0' || province < 1 || province > 96)
    {
      invalid (error, name, "không phải số CCCD hợp lệ (12 chữ số, mã tỉnh 001–096)");
      return NULL;
    }
  return s;
}

gboolean
ttsh_cccd_matches (const char *cccd,
                   const char *dob,
                   const char *gender)
{
  int century_gender, year, yy, century;

  if (cccd == NULL || dob == NULL || gender == NULL || strlen (cccd) != 12 || strlen (dob) < 4)
    return FALSE;
  century_gender = cccd[3] - '0';
  yy = (cccd[4] - '0') * 10 + (cccd[5] - '0');
  year = atoi (dob);
  century = 19 + century_gender / 2;   /* 0,1: 1900s; 2,3: 2000s; 4,5: 2100s… */
  if (century_gender % 2 != (g_str_equal (gender, "NU") ? 1 : 0))
    return FALSE;
  return year == century * 100 + yy;
}

const char *
ttsh_v_transaction_code (JsonObject *obj,
                         GError    **error)
{
  GError *local = NULL;
  const char *s = ttsh_v_string (obj, "TransactionCode", TRUE, TTSH_TRANSACTION_CODE_MAX, &local);

  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._:-", *p) == NULL)
      {
        invalid (error, "TransactionCode", "chỉ được gồm chữ, số và . _ : - (tối đa 64 ký tự)");
        return NULL;
      }
  return s;
}

JsonArray *
ttsh_v_array (JsonObject  *obj,
              const char  *name,
              gboolean     required,
              guint        max_len,
              GError     **error)
{
  JsonNode *n = member (obj, name);

  if (n == NULL)
    {
      if (required)
        invalid (error, name, "là bắt buộc nhưng bị thiếu");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      invalid (error, name, "phải là mảng");
      return NULL;
    }
  if (json_array_get_length (json_node_get_array (n)) > max_len)
    {
      g_set_error (error, TTSH_INPUT_ERROR, -9, "Trường %s có quá %u phần tử", name, max_len);
      return NULL;
    }
  return json_node_get_array (n);
}

gboolean
ttsh_image_is_jpeg_or_png (const guint8 *d,
                           gsize         len)
{
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 png_end[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };

  /* PNG: signature, IHDR of 13 bytes with non-zero size, IEND at the end. */
  if (len >= 8 + 25 + 12 && memcmp (d, png_sig, 8) == 0)
    {
      guint32 w = (guint32) d[16] << 24 | (guint32) d[17] << 16 | (guint32) d[18] << 8 | d[19];
      guint32 h = (guint32) d[20] << 24 | (guint32) d[21] << 16 | (guint32) d[22] << 8 | d[23];
      return memcmp (d + 8, "\0\0\0\rIHDR", 8) == 0 && w > 0 && h > 0 &&
             w <= 20000 && h <= 20000 && memcmp (d + len - 12, png_end, 12) == 0;
    }
  /* JPEG: SOI then a marker, a frame header (SOF0–SOF15 but not DHT/JPG/DAC),
   * EOI at the end. */
  if (len >= 128 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF &&
      d[len - 2] == 0xFF && d[len - 1] == 0xD9)
    {
      gsize i = 2;

      while (i + 4 <= len && d[i] == 0xFF)
        {
          guint8 m = d[i + 1];
          gsize seg = (gsize) d[i + 2] << 8 | d[i + 3];

          if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
            return seg >= 8 && i + 2 + seg <= len;
          if (m == 0xDA || seg < 2)
            return FALSE;
          i += 2 + seg;
        }
    }
  return FALSE;
}

GBytes *
ttsh_v_photo (JsonObject  *obj,
              const char  *name,
              gboolean     required,
              GError     **error)
{
  JsonNode *n = member (obj, name);
  g_autoptr(GBytes) bytes = NULL;
  const char *s;
  gsize len;

  if (n == NULL)
    {
      if (required)
        invalid (error, name, "(ảnh) là bắt buộc nhưng bị thiếu");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      invalid (error, name, "(ảnh) phải là chuỗi base64");
      return NULL;
    }
  s = json_node_get_string (n);
  len = strlen (s);
  /* Refuse oversize before decoding anything. */
  if (len > (TTSH_PHOTO_MAX_BYTES + 2) / 3 * 4)
    {
      g_set_error (error, TTSH_INPUT_ERROR, -9,
                   "Ảnh %s vượt quá %d byte sau giải mã", name, TTSH_PHOTO_MAX_BYTES);
      return NULL;
    }
  bytes = ttsh_base64_decode_strict (s, len);
  if (bytes == NULL)
    {
      invalid (error, name, "(ảnh) không phải base64 chuẩn hợp lệ (bảng mã A–Z a–z 0–9 + /, có đệm =)");
      return NULL;
    }
  if (g_bytes_get_size (bytes) > TTSH_PHOTO_MAX_BYTES)
    {
      g_set_error (error, TTSH_INPUT_ERROR, -9,
                   "Ảnh %s vượt quá %d byte sau giải mã", name, TTSH_PHOTO_MAX_BYTES);
      return NULL;
    }
  if (!ttsh_image_is_jpeg_or_png (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)))
    {
      invalid (error, name, "(ảnh) không phải tệp JPEG hoặc PNG hợp lệ");
      return NULL;
    }
  return g_steal_pointer (&bytes);
}
