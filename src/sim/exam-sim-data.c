/* exam-sim-data.c — generated exam sessions: people, IDs, photos.
 *
 * Everything is derived from a seed so a test or a demo can regenerate the
 * same session; photos are real PNG files (zlib via GZlibCompressor). */
#define G_LOG_DOMAIN "exam-sim"
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "exam-sim-data.h"
#include "ttsh-wire.h"

static const char *const family_names[] = {
  "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
  "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Tạ",
};
static const char *const male_middle[] = { "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Gia", "Công", "Xuân", "Tiến" };
static const char *const female_middle[] = { "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Diệu", "Bảo", "Khánh" };
static const char *const male_given[] = {
  "An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam",
  "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Đông", "Huy", "Kiên", "Lộc",
};
static const char *const female_given[] = {
  "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
  "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Tuyết", "Vân", "Yến", "Ánh", "Hằng",
};
/* Hà Nội and neighbouring provinces dominate a Hà Nội centre's roster. */
static const char *const provinces[] = {
  "001", "001", "001", "001", "022", "024", "026", "027", "030", "033", "034", "035", "036", "037", "038", "040",
};

static guint32 crc_table[256];

static void
crc_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;
          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
          crc_table[n] = c;
        }
      g_once_init_leave (&done, 1);
    }
}

static guint32
crc32_update (guint32 crc, const guint8 *p, gsize len)
{
  crc = ~crc;
  for (gsize i = 0; i < len; i++)
    crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

static void
png_chunk (GByteArray *out, const char *type, const guint8 *data, gsize len)
{
  guint32 crc;

  put_be32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len)
    g_byte_array_append (out, data, (guint) len);
  crc = crc32_update (0, (const guint8 *) type, 4);
  crc = crc32_update (crc, data, len);
  put_be32 (out, crc);
}

static GBytes *
zlib_compress (const guint8 *data, gsize len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) conv = g_converter_output_stream_new (mem, G_CONVERTER (z));
  gsize written;

  g_output_stream_write_all (conv, data, len, &written, NULL, NULL);
  g_output_stream_close (conv, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

GBytes *
exam_sim_png_new (guint width, guint height, guint32 seed)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GBytes) z = NULL;
  GByteArray *out = g_byte_array_new ();
  guint8 ihdr[13];
  double cx = width / 2.0, cy = height * 0.45;
  double rx = width * (0.28 + g_rand_double (rand) * 0.08), ry = height * (0.30 + g_rand_double (rand) * 0.06);
  int bg = 200 + g_rand_int_range (rand, 0, 50), skin = 120 + g_rand_int_range (rand, 0, 70);
  int hair = 20 + g_rand_int_range (rand, 0, 60);

  crc_init ();
  /* A head on a light background: enough variety that no two are equal. */
  for (guint y = 0; y < height; y++)
    {
      guint8 filter = 0;
      g_byte_array_append (raw, &filter, 1);
      for (guint x = 0; x < width; x++)
        {
          double dx = (x - cx) / rx, dy = (y - cy) / ry;
          double d = dx * dx + dy * dy;
          int v = bg;

          if (d < 1.0)
            v = (dy < -0.45) ? hair : skin;
          if (y > cy + ry * 1.1)
            v = 60 + (int) ((x * 7 + seed) % 40);
          if (d < 1.0 && fabs (dy + 0.1) < 0.08 && fabs (fabs (dx) - 0.4) < 0.12)
            v = 30;
          v += g_rand_int_range (rand, -6, 7);
          {
            guint8 px = (guint8) CLAMP (v, 0, 255);
            g_byte_array_append (raw, &px, 1);
          }
        }
    }
  z = zlib_compress (raw->data, raw->len);

  g_byte_array_append (out, sig, 8);
  ihdr[0] = width >> 24; ihdr[1] = width >> 16; ihdr[2] = width >> 8; ihdr[3] = width;
  ihdr[4] = height >> 24; ihdr[5] = height >> 16; ihdr[6] = height >> 8; ihdr[7] = height;
  ihdr[8] = 8;   /* bit depth */
  ihdr[9] = 0;   /* grey-scale */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  png_chunk (out, "IHDR", ihdr, 13);
  png_chunk (out, "IDAT", g_bytes_get_data (z, NULL), g_bytes_get_size (z));
  png_chunk (out, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (out);
}

char *
exam_sim_photo_base64 (guint32 seed)
{
  g_autoptr(GBytes) png = exam_sim_png_new (48, 64, seed);
  return g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

static int
min_age (const char *cls)
{
  if (g_str_equal (cls, "C"))
    return 21;
  if (g_str_equal (cls, "D2"))
    return 24;
  return 18;
}

static const char *
pick_class (GRand *r)
{
  int p = g_rand_int_range (r, 0, 100);
  if (p < 55) return "B";
  if (p < 70) return "A1";
  if (p < 75) return "A";
  if (p < 80) return "B1";
  if (p < 90) return "C1";
  if (p < 97) return "C";
  return "D2";
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

JsonNode *
exam_sim_make_session (const char *code,
                       const char *centre,
                       guint       n,
                       guint32     seed)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) start = g_date_time_new (tz, g_date_time_get_year (now), g_date_time_get_month (now),
                                                g_date_time_get_day_of_month (now), 7, 30, 0);
  g_autoptr(GDateTime) end = g_date_time_add_hours (start, 10);
  g_autoptr(GDateTime) decided = g_date_time_add_days (start, -7);
  g_autofree char *s_start = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S+07:00");
  g_autofree char *s_end = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S+07:00");
  g_autofree char *s_decided = g_date_time_format (decided, "%Y-%m-%d");
  g_autofree char *name = g_date_time_format (start, "Kỳ sát hạch lái xe ngày %d/%m/%Y");
  g_autofree char *decision = g_strdup_printf ("%u/QĐ-PC08", 100 + g_rand_int_range (r, 0, 800));
  static const struct { const char *name, *pos, *role; } council[] = {
    { "Nguyễn Văn Hùng", "Phó Trưởng phòng CSGT", "CHU_TICH" },
    { "Trần Thị Minh Hà", "Đội trưởng", "PHO_CHU_TICH" },
    { "Lê Quang Thắng", "Cán bộ", "THU_KY" },
    { "Phạm Đức Long", "Sát hạch viên", "SAT_HACH_VIEN" },
    { "Hoàng Minh Tuấn", "Sát hạch viên", "SAT_HACH_VIEN" },
    { "Vũ Thị Thu Trang", "Sát hạch viên", "SAT_HACH_VIEN" },
  };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_KY_SAT_HACH);
  json_builder_begin_object (b);
  add_string (b, TTSH_W_MA_KY_SAT_HACH, code);
  add_string (b, TTSH_W_TEN_KY_SAT_HACH, name);
  add_string (b, TTSH_W_MA_TTSH, centre);
  add_string (b, TTSH_W_THOI_GIAN_BAT_DAU, s_start);
  add_string (b, TTSH_W_THOI_GIAN_KET_THUC, s_end);
  add_string (b, TTSH_W_SO_QUYET_DINH, decision);
  add_string (b, TTSH_W_NGAY_QUYET_DINH, s_decided);
  json_builder_end_object (b);

  json_builder_set_member_name (b, TTSH_W_HOI_DONG);
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (council); i++)
    {
      g_autofree char *cid = g_strdup_printf ("001%d%02d%06d", i == 1 || i == 5 ? 1 : 0,
                                              70 + (int) i, g_rand_int_range (r, 0, 1000000));
      json_builder_begin_object (b);
      add_string (b, TTSH_W_HO_TEN, council[i].name);
      add_string (b, TTSH_W_CHUC_VU, council[i].pos);
      add_string (b, TTSH_W_VAI_TRO, council[i].role);
      add_string (b, TTSH_W_SO_CCCD, cid);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, TTSH_W_HOC_VIEN);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      gboolean female = g_rand_boolean (r);
      const char *cls = pick_class (r);
      int age = min_age (cls) + g_rand_int_range (r, 0, 25) + (g_rand_int_range (r, 0, 10) == 0 ? 20 : 0);
      int year = g_date_time_get_year (start) - age - 1;
      int month = g_rand_int_range (r, 1, 13), day = g_rand_int_range (r, 1, 29);
      g_autofree char *dob = g_strdup_printf ("%04d-%02d-%02d", year, month, day);
      int cg = (year >= 2000 ? 2 : 0) + (female ? 1 : 0);
      g_autofree char *cid = g_strdup_printf ("%s%d%02d%06d", provinces[g_rand_int_range (r, 0, G_N_ELEMENTS (provinces))],
                                              cg, year % 100, (int) ((seed * 7919u + i * 104729u) % 1000000u));
      g_autofree char *full = g_strdup_printf ("%s %s %s",
          family_names[g_rand_int_range (r, 0, G_N_ELEMENTS (family_names))],
          female ? female_middle[g_rand_int_range (r, 0, G_N_ELEMENTS (female_middle))]
                 : male_middle[g_rand_int_range (r, 0, G_N_ELEMENTS (male_middle))],
          female ? female_given[g_rand_int_range (r, 0, G_N_ELEMENTS (female_given))]
                 : male_given[g_rand_int_range (r, 0, G_N_ELEMENTS (male_given))]);
      g_autofree char *reg = g_strdup_printf ("%s-%s-%05u", centre, cls, 10000 + i);
      g_autofree char *number = g_strdup_printf ("%03u", i + 1);
      g_autofree char *photo = exam_sim_photo_base64 (seed * 100003u + i);
      gboolean moto = g_str_equal (cls, "A1") || g_str_equal (cls, "A");

      json_builder_begin_object (b);
      add_string (b, TTSH_W_MA_DANG_KY, reg);
      add_string (b, TTSH_W_HO_TEN, full);
      add_string (b, TTSH_W_SO_CCCD, cid);
      add_string (b, TTSH_W_NGAY_SINH, dob);
      add_string (b, TTSH_W_GIOI_TINH, female ? "NU" : "NAM");
      add_string (b, TTSH_W_SO_BAO_DANH, number);
      add_string (b, TTSH_W_HANG_SAT_HACH, cls);
      json_builder_set_member_name (b, TTSH_W_NOI_DUNG_SAT_HACH);
      json_builder_begin_array (b);
      json_builder_add_string_value (b, TTSH_CONTENT_LY_THUYET);
      if (!moto)
        json_builder_add_string_value (b, TTSH_CONTENT_MO_PHONG);
      json_builder_add_string_value (b, TTSH_CONTENT_SA_HINH);
      if (!moto)
        json_builder_add_string_value (b, TTSH_CONTENT_DUONG_TRUONG);
      json_builder_end_array (b);
      add_string (b, TTSH_W_ANH_HOC_VIEN, photo);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
