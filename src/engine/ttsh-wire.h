/* ttsh-wire.h — every wire name of the contract, in one place.
 *
 * The rest of the engine uses these constants and typed helpers only, so an
 * official API document that renames fields changes this module alone. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Result codes (§3). */
typedef enum {
  TTSH_CODE_OK              = 1,
  TTSH_CODE_GENERAL         = 0,
  TTSH_CODE_TOKEN_INVALID   = -1,
  TTSH_CODE_ACCOUNT_LOCKED  = -2,
  TTSH_CODE_BAD_CREDENTIALS = -3,
  TTSH_CODE_INVALID_DATA    = -4,
  TTSH_CODE_DUPLICATE       = -5,
  TTSH_CODE_NOT_FOUND       = -6,
  TTSH_CODE_IP_DENIED       = -7,
  TTSH_CODE_BUSY            = -8,
  TTSH_CODE_TOO_LARGE       = -9,
  TTSH_CODE_CLOCK_SKEW      = -10,
  TTSH_CODE_INTERNAL        = -99,
} TtshCode;

const char *ttsh_code_symbol   (int code);  /* "THANH_CONG", ... */
const char *ttsh_code_message  (int code);  /* Vietnamese meaning, seed 000 §3.1 */
const char *ttsh_code_action   (int code);  /* Vietnamese recommended action */
gboolean    ttsh_code_is_known (int code);

/* Envelope (§2). */
#define TTSH_W_MA_KET_QUA          "MaKetQua"
#define TTSH_W_THONG_TIN_XU_LY     "ThongTinXuLy"
#define TTSH_W_DU_LIEU             "DuLieu"
#define TTSH_W_THONG_TIN_BO_SUNG   "ThongTinBoSung"
#define TTSH_W_THONG_TIN_LOI       "ThongTinLoi"
#define TTSH_W_MO_TA_CHI_TIET_LOI  "MoTaChiTietLoi"
#define TTSH_W_MA_LOI              "MaLoi"
#define TTSH_W_TEN_LOI             "TenLoi"
#define TTSH_W_MO_TA               "MoTa"
#define TTSH_W_GIOI_HAN_LO         "GioiHanLo"      /* {"SoBanGhi": n, "KichThuoc": bytes} */
#define TTSH_W_KICH_THUOC          "KichThuoc"

/* Auth (§4.1). */
#define TTSH_W_TEN_DANG_NHAP       "TenDangNhap"
#define TTSH_W_MAT_KHAU            "MatKhau"
#define TTSH_W_MAT_KHAU_CU         "MatKhauCu"
#define TTSH_W_MAT_KHAU_MOI        "MatKhauMoi"
#define TTSH_W_ACCESS_TOKEN        "AccessToken"
#define TTSH_W_TOKEN_TYPE          "TokenType"
#define TTSH_W_EXPIRES_IN          "ExpiresIn"
#define TTSH_W_EXPIRES_AT          "ExpiresAt"
#define TTSH_W_TRANG_THAI_PHIEN    "TrangThaiPhien"
#define TTSH_W_KET_QUA_DOI_MK      "KetQua"
#define TTSH_W_THOI_GIAN_MAY_CHU   "ThoiGianMayChu"
#define TTSH_V_DA_DANG_XUAT        "DA_DANG_XUAT"
#define TTSH_V_DA_DOI_MAT_KHAU     "DA_DOI_MAT_KHAU"

/* Status and statistics (§4.2). */
#define TTSH_W_MA_TTSH             "MaTTSH"
#define TTSH_W_TRANG_THAI          "TrangThai"
#define TTSH_W_THOI_DIEM_CAP_NHAT  "ThoiDiemCapNhatTiepTheo"
#define TTSH_V_SAN_SANG            "SAN_SANG"
#define TTSH_V_BAN                 "BAN"
#define TTSH_W_TU_THOI_DIEM        "TuThoiDiem"
#define TTSH_W_DEN_THOI_DIEM       "DenThoiDiem"
#define TTSH_W_SO_PHIEN_THANH_CONG "SoPhienThanhCong"
#define TTSH_W_SO_PHIEN_THAT_BAI   "SoPhienThatBai"
#define TTSH_W_SO_PHIEN_DANG_CHO   "SoPhienDangCho"
#define TTSH_W_TONG_SO_PHIEN       "TongSoPhien"
#define TTSH_W_CHI_TIET            "ChiTiet"
#define TTSH_W_LOAI_DU_LIEU        "LoaiDuLieu"

/* Upload batches (§4.3). */
#define TTSH_W_MA_LO               "MaLo"
#define TTSH_W_THOI_GIAN_GUI       "ThoiGianGui"
#define TTSH_W_DANH_SACH           "DanhSach"
#define TTSH_W_SO_BAN_GHI          "SoBanGhi"
#define TTSH_W_SO_THANH_CONG       "SoThanhCong"
#define TTSH_W_SO_LOI              "SoLoi"
#define TTSH_W_KET_QUA             "KetQua"
#define TTSH_W_TRANSACTION_CODE    "TransactionCode"

/* Identity block. */
#define TTSH_W_MA_DANG_KY          "MaDangKy"
#define TTSH_W_HO_TEN              "HoTen"
#define TTSH_W_NGAY_SINH           "NgaySinh"
#define TTSH_W_SO_CCCD             "SoCCCD"
#define TTSH_W_SO_BAO_DANH         "SoBaoDanh"
#define TTSH_W_HANG_SAT_HACH       "HangSatHach"
#define TTSH_W_MA_KY_SAT_HACH      "MaKySatHach"
#define TTSH_W_NOI_DUNG_SAT_HACH   "NoiDungSatHach"

/* DIEM_DANH. */
#define TTSH_W_TRANG_THAI_DIEM_DANH "TrangThaiDiemDanh"
#define TTSH_W_THOI_GIAN_DIEM_DANH "ThoiGianDiemDanh"
#define TTSH_W_XAC_THUC_DIEN_TU    "XacThucDienTu"
#define TTSH_W_PHUONG_THUC         "PhuongThuc"
#define TTSH_W_MA_XAC_THUC         "MaXacThuc"
#define TTSH_W_THOI_GIAN           "ThoiGian"
#define TTSH_W_ANH_DIEM_DANH       "AnhDiemDanh"

/* QUA_TRINH and results. */
#define TTSH_W_LAN_SAT_HACH        "LanSatHach"
#define TTSH_W_SO_THU_TU           "SoThuTu"
#define TTSH_W_THOI_GIAN_BAT_DAU   "ThoiGianBatDau"
#define TTSH_W_THOI_GIAN_KET_THUC  "ThoiGianKetThuc"
#define TTSH_W_DIEM                "Diem"
#define TTSH_W_LY_DO_SAT_HACH_LAI  "LyDoSatHachLai"
#define TTSH_W_SU_KIEN             "SuKien"
#define TTSH_W_DIEM_TRU            "DiemTru"
#define TTSH_W_ANH_HOC_VIEN        "AnhHocVien"
#define TTSH_W_DU_LIEU_GPS         "DuLieuGPS"
#define TTSH_W_VI_DO               "ViDo"
#define TTSH_W_KINH_DO             "KinhDo"
#define TTSH_W_TOC_DO              "TocDo"
#define TTSH_W_HUONG               "Huong"
#define TTSH_W_DO_CHINH_XAC        "DoChinhXac"

/* HUY_KET_QUA and TONG_HOP. */
#define TTSH_W_MA_LY_DO_HUY        "MaLyDoHuy"
#define TTSH_W_LY_DO_HUY           "LyDoHuy"
#define TTSH_W_NGUOI_HUY           "NguoiHuy"
#define TTSH_W_CHUC_VU             "ChucVu"
#define TTSH_W_THOI_GIAN_HUY       "ThoiGianHuy"
#define TTSH_W_THOI_GIAN_KET_THUC_KY "ThoiGianKetThucKy"

/* Exam session (§5.1). */
#define TTSH_W_KY_SAT_HACH         "KySatHach"
#define TTSH_W_TEN_KY_SAT_HACH     "TenKySatHach"
#define TTSH_W_SO_QUYET_DINH       "SoQuyetDinh"
#define TTSH_W_NGAY_QUYET_DINH     "NgayQuyetDinh"
#define TTSH_W_HOI_DONG            "HoiDong"
#define TTSH_W_VAI_TRO             "VaiTro"
#define TTSH_W_HOC_VIEN            "HocVien"
#define TTSH_W_GIOI_TINH           "GioiTinh"
#define TTSH_W_SO_HOC_VIEN         "SoHocVien"
#define TTSH_W_ANH                 "Anh"

/* Kinds and enums. */
#define TTSH_KIND_DIEM_DANH        "DIEM_DANH"
#define TTSH_KIND_QUA_TRINH        "QUA_TRINH"
#define TTSH_KIND_HUY_KET_QUA      "HUY_KET_QUA"
#define TTSH_KIND_TONG_HOP         "TONG_HOP"
#define TTSH_CONTENT_LY_THUYET     "LY_THUYET"
#define TTSH_CONTENT_MO_PHONG      "MO_PHONG"
#define TTSH_CONTENT_SA_HINH       "SA_HINH"
#define TTSH_CONTENT_DUONG_TRUONG  "DUONG_TRUONG"

/* Endpoints, relative to the configured base URL (§4) and /ttsh/v1 (§5). */
#define TTSH_EP_LOGIN              "/auth/login"
#define TTSH_EP_LOGOUT             "/auth/logout"
#define TTSH_EP_CHANGE_PASSWORD    "/auth/change-password"
#define TTSH_EP_SERVER_TIME        "/auth/server-time"
#define TTSH_EP_STATUS             "/status"
#define TTSH_EP_STATISTICS         "/statistics"
#define TTSH_EP_ATTENDANCE         "/exam/attendance"
#define TTSH_EP_PROCESS            "/exam/process"
#define TTSH_EP_CANCELLATION       "/exam/cancellation"
#define TTSH_EP_SUMMARY            "/exam/summary"
#define TTSH_API_BASE              "/ttsh/v1"
#define TTSH_API_EXAM_SESSIONS     "/ttsh/v1/exam-sessions"
#define TTSH_API_ATTENDANCE        "/ttsh/v1/attendance"
#define TTSH_API_PROCESS           "/ttsh/v1/process"
#define TTSH_API_RESULTS           "/ttsh/v1/results"

const char *ttsh_kind_endpoint (const char *kind);  /* DIEM_DANH -> /exam/attendance */

/* Build a complete envelope. data/extra are taken (may be NULL). */
JsonNode   *ttsh_envelope_new  (int         code,
                                const char *message,      /* NULL: standard text of code */
                                JsonNode   *data,
                                JsonNode   *extra,
                                const char *detail);
char       *ttsh_envelope_to_string (JsonNode *envelope,
                                     gsize    *length);

/* Time: ISO 8601, always emitted with +07:00. */
char       *ttsh_time_format_ms (gint64      unix_ms);
char       *ttsh_time_now       (void);
gboolean    ttsh_time_parse     (const char *text,
                                 gint64     *unix_ms);
gboolean    ttsh_date_valid     (const char *text);  /* YYYY-MM-DD, a real date */

G_END_DECLS
