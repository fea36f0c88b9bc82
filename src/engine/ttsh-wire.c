/* ttsh-wire.c — result codes, envelope and time formats of the contract. */
#define G_LOG_DOMAIN "ttsh-wire"
#include "config.h"

#include <string.h>

#include "ttsh-wire.h"

typedef struct {
  int         code;
  const char *symbol;
  const char *message;
  const char *action;
} CodeInfo;

/* Meanings and recommended actions: seed 000 §3.1, verbatim where possible. */
static const CodeInfo codes[] = {
  { 1, "THANH_CONG", "Thành công",
    "Ghi nhận kết quả và tiếp tục quy trình xử lý." },
  { 0, "LOI_CHUNG", "Lỗi chung không xác định",
    "Ghi log, kiểm tra lại yêu cầu và liên hệ hỗ trợ kỹ thuật nếu lỗi kéo dài." },
  { -1, "TOKEN_KHONG_HOP_LE", "Lỗi xác thực – Token không hợp lệ hoặc đã hết hạn",
    "Thực hiện đăng nhập lại để lấy token mới." },
  { -2, "TAI_KHOAN_BI_KHOA", "Lỗi xác thực - tài khoản bị khóa",
    "Liên hệ Cục Cảnh sát giao thông để kiểm tra và mở khóa tài khoản theo quy định." },
  { -3, "SAI_THONG_TIN_DANG_NHAP", "Lỗi xác thực - sai tên đăng nhập hoặc mật khẩu",
    "Kiểm tra lại thông tin đăng nhập." },
  { -4, "DU_LIEU_KHONG_HOP_LE", "Dữ liệu đầu vào không hợp lệ - thiếu dữ liệu bắt buộc hoặc sai định dạng",
    "Kiểm tra cấu trúc dữ liệu và các trường nghiệp vụ bắt buộc theo phụ lục và tài liệu API chi tiết." },
  { -5, "DU_LIEU_TRUNG_LAP", "Dữ liệu trùng lặp - bản ghi hoặc giao dịch đã tồn tại",
    "Không truyền lặp; đối soát trạng thái tiếp nhận và ghi nhận là đã truyền thành công nếu hệ thống đã tiếp nhận trước đó." },
  { -6, "KHONG_TIM_THAY_THAM_CHIEU", "Không tìm thấy dữ liệu tham chiếu - mã kỳ sát hạch, mã TTSH hoặc mã học viên không tồn tại",
    "Kiểm tra dữ liệu gốc và thực hiện đối soát với Cục Cảnh sát giao thông." },
  { -7, "IP_KHONG_DUOC_PHEP", "IP không được phép kết nối - IP nguồn chưa được đăng ký",
    "Đăng ký hoặc cập nhật IP với Cục Cảnh sát giao thông theo quy định." },
  { -8, "HE_THONG_BAN", "Hệ thống đang bận - chưa thể tiếp nhận dữ liệu tại thời điểm hiện tại",
    "Kiểm tra trạng thái hệ thống, tạm dừng truyền và thực hiện lại ở chu kỳ tiếp theo." },
  { -9, "VUOT_GIOI_HAN_KICH_THUOC", "Vượt quá giới hạn kích thước dữ liệu - ảnh hoặc dữ liệu (Payload) vượt mức cho phép",
    "Kiểm tra kích thước ảnh, chia nhỏ lô dữ liệu hoặc giảm dung lượng theo quy định." },
  { -10, "LECH_THOI_GIAN", "Lỗi đồng bộ thời gian - thời gian máy chủ TTSH lệch quá ngưỡng cho phép",
    "Đồng bộ lại thời gian theo chuẩn NTP trước khi tiếp tục truyền dữ liệu." },
  { -99, "LOI_NOI_BO", "Lỗi nội bộ hệ thống",
    "Ghi log đầy đủ, thử lại sau và liên hệ hỗ trợ nếu lỗi kéo dài." },
};

static const CodeInfo *
code_info (int code)
{
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (codes[i].code == code)
      return &codes[i];
  return NULL;
}

gboolean
ttsh_code_is_known (int code)
{
  return code_info (code) != NULL;
}

const char *
ttsh_code_symbol (int code)
{
  const CodeInfo *info = code_info (code);
  return info ? info->symbol : "KHONG_XAC_DINH";
}

const char *
ttsh_code_message (int code)
{
  const CodeInfo *info = code_info (code);
  return info ? info->message : "Mã kết quả không xác định";
}

const char *
ttsh_code_action (int code)
{
  const CodeInfo *info = code_info (code);
  return info ? info->action : "Liên hệ hỗ trợ kỹ thuật.";
}

const char *
ttsh_kind_endpoint (const char *kind)
{
  if (g_strcmp0 (kind, TTSH_KIND_DIEM_DANH) == 0)
    return TTSH_EP_ATTENDANCE;
  if (g_strcmp0 (kind, TTSH_KIND_QUA_TRINH) == 0)
    return TTSH_EP_PROCESS;
  if (g_strcmp0 (kind, TTSH_KIND_HUY_KET_QUA) == 0)
    return TTSH_EP_CANCELLATION;
  if (g_strcmp0 (kind, TTSH_KIND_TONG_HOP) == 0)
    return TTSH_EP_SUMMARY;
  return NULL;
}

JsonNode *
ttsh_envelope_new (int         code,
                   const char *message,
                   JsonNode   *data,
                   JsonNode   *extra,
                   const char *detail)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_MA_KET_QUA);
  json_builder_add_int_value (b, code);
  json_builder_set_member_name (b, TTSH_W_THONG_TIN_XU_LY);
  json_builder_add_string_value (b, message ? message : ttsh_code_message (code));
  json_builder_set_member_name (b, TTSH_W_DU_LIEU);
  if (data)
    json_builder_add_value (b, data);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, TTSH_W_THONG_TIN_BO_SUNG);
  if (extra)
    json_builder_add_value (b, extra);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, TTSH_W_THONG_TIN_LOI);
  if (code == TTSH_CODE_OK)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_MA_LOI);
      json_builder_add_int_value (b, code);
      json_builder_set_member_name (b, TTSH_W_TEN_LOI);
      json_builder_add_string_value (b, ttsh_code_symbol (code));
      json_builder_set_member_name (b, TTSH_W_MO_TA);
      json_builder_add_string_value (b, ttsh_code_message (code));
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, TTSH_W_MO_TA_CHI_TIET_LOI);
  if (detail)
    json_builder_add_string_value (b, detail);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
ttsh_envelope_to_string (JsonNode *envelope,
                         gsize    *length)
{
  char *s = json_to_string (envelope, FALSE);

  if (length)
    *length = strlen (s);
  return s;
}

char *
ttsh_time_format_ms (gint64 unix_ms)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_ms / 1000);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *base = NULL;
  int ms = (int) (unix_ms % 1000);

  if (utc == NULL)
    return NULL;
  local = g_date_time_to_timezone (utc, tz);
  base = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  if (ms != 0)
    return g_strdup_printf ("%s.%03d+07:00", base, ms);
  return g_strdup_printf ("%s+07:00", base);
}

char *
ttsh_time_now (void)
{
  return ttsh_time_format_ms (g_get_real_time () / 1000);
}

gboolean
ttsh_time_parse (const char *text,
                 gint64     *unix_ms)
{
  g_autoptr(GDateTime) dt = NULL;
  gsize len;

  if (text == NULL)
    return FALSE;
  len = strlen (text);
  /* Require a full date, 'T', time and an explicit offset (Z or ±hh:mm). */
  if (len < 20 || len > 40 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':')
    return FALSE;
  if (text[len - 1] != 'Z' && !(len >= 6 && (text[len - 6] == '+' || text[len - 6] == '-') &&
                                text[len - 3] == ':'))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]) && strchr ("-T:.+Z", text[i]) == NULL)
      return FALSE;
  dt = g_date_time_new_from_iso8601 (text, NULL);
  if (dt == NULL)
    return FALSE;
  if (unix_ms)
    *unix_ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
  return TRUE;
}

gboolean
ttsh_date_valid (const char *text)
{
  guint64 y, m, d;
  char buf[5];

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  memcpy (buf, text, 4); buf[4] = '\0';
  y = g_ascii_strtoull (buf, NULL, 10);
  memcpy (buf, text + 5, 2); buf[2] = '\0';
  m = g_ascii_strtoull (buf, NULL, 10);
  memcpy (buf, text + 8, 2); buf[2] = '\0';
  d = g_ascii_strtoull (buf, NULL, 10);
  return y >= 1900 && y <= 2200 && g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}
