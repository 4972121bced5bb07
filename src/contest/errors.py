"""Domain errors. Each carries a stable machine `code`, an HTTP status and a Vietnamese message.

Services raise them; `contest.http` maps them to responses exactly once. Nobody matches on messages.
"""

from __future__ import annotations

from typing import Any


class ContestError(Exception):
    code = "CONTEST_ERROR"
    status = 400
    message = "Yêu cầu không hợp lệ."

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or type(self).message
        self.extra = extra
        super().__init__(self.code)

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def _error(name: str, code: str, status: int, message: str) -> type[ContestError]:
    return type(name, (ContestError,), {"code": code, "status": status, "message": message})


# Request shape
BadRequest = _error("BadRequest", "BAD_REQUEST", 400, "Yêu cầu không hợp lệ.")
InvalidJson = _error("InvalidJson", "INVALID_JSON", 400, "Nội dung gửi lên không phải JSON hợp lệ.")
UnsupportedMediaType = _error(
    "UnsupportedMediaType", "UNSUPPORTED_MEDIA_TYPE", 415, "Nội dung phải ở dạng application/json."
)
PayloadTooLarge = _error("PayloadTooLarge", "PAYLOAD_TOO_LARGE", 413, "Nội dung gửi lên quá lớn.")
ValidationFailed = _error("ValidationFailed", "VALIDATION_FAILED", 422, "Dữ liệu không hợp lệ.")
NotFound = _error("NotFound", "NOT_FOUND", 404, "Không tìm thấy địa chỉ yêu cầu.")
MethodNotAllowed = _error("MethodNotAllowed", "METHOD_NOT_ALLOWED", 405, "Phương thức không được hỗ trợ.")

# Registration and accounts
InvalidPhone = _error(
    "InvalidPhone", "INVALID_PHONE", 422, "Số điện thoại không hợp lệ. Vui lòng nhập số di động Việt Nam."
)
InvalidName = _error("InvalidName", "INVALID_NAME", 422, "Họ và tên không hợp lệ.")
UnknownUnit = _error("UnknownUnit", "UNKNOWN_UNIT", 422, "Đơn vị không có trong danh sách.")
WeakPassword = _error("WeakPassword", "WEAK_PASSWORD", 422, "Mật khẩu phải có từ 8 đến 128 ký tự.")
ConsentRequired = _error(
    "ConsentRequired", "CONSENT_REQUIRED", 422, "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để đăng ký."
)
PhoneTaken = _error(
    "PhoneTaken",
    "PHONE_ALREADY_REGISTERED",
    409,
    "Số điện thoại này đã được đăng ký. Mỗi người chỉ có một tài khoản.",
)
Excluded = _error(
    "Excluded",
    "EXCLUDED",
    403,
    "Thành viên Ban Tổ chức, Tổ Thư ký và người trực tiếp tham gia tổ chức Cuộc thi không được dự thi.",
)
TooManyRegistrations = _error(
    "TooManyRegistrations",
    "TOO_MANY_REGISTRATIONS",
    429,
    "Có quá nhiều lượt đăng ký từ địa chỉ này. Vui lòng thử lại sau.",
)

# One-time codes
CodeInvalid = _error("CodeInvalid", "CODE_INVALID", 400, "Mã xác thực không đúng hoặc đã hết hạn.")
CodeLocked = _error(
    "CodeLocked", "CODE_LOCKED", 429, "Bạn đã nhập sai quá nhiều lần. Vui lòng yêu cầu gửi mã mới."
)
ResendTooSoon = _error("ResendTooSoon", "RESEND_TOO_SOON", 429, "Vui lòng chờ trước khi yêu cầu gửi lại mã.")
AlreadyVerified = _error("AlreadyVerified", "ALREADY_VERIFIED", 409, "Số điện thoại này đã được xác thực.")

# Sessions
LoginFailed = _error("LoginFailed", "LOGIN_FAILED", 401, "Số điện thoại hoặc mật khẩu không đúng.")
LoginThrottled = _error(
    "LoginThrottled", "LOGIN_THROTTLED", 429, "Bạn đã đăng nhập sai nhiều lần. Vui lòng thử lại sau ít phút."
)
Unauthorized = _error("Unauthorized", "UNAUTHORIZED", 401, "Bạn cần đăng nhập để tiếp tục.")
Forbidden = _error("Forbidden", "FORBIDDEN", 403, "Bạn không có quyền thực hiện thao tác này.")

# Quiz
NotVerified = _error("NotVerified", "NOT_VERIFIED", 403, "Bạn cần xác thực số điện thoại trước khi dự thi.")
WeekNotOpen = _error("WeekNotOpen", "WEEK_NOT_OPEN", 409, "Hiện không có tuần thi nào đang mở.")
NoAttemptsLeft = _error(
    "NoAttemptsLeft", "NO_ATTEMPTS_LEFT", 409, "Bạn đã dùng hết số lượt thi của tuần này."
)
InvalidToken = _error(
    "InvalidToken", "INVALID_TOKEN", 401, "Phiên làm bài không hợp lệ. Vui lòng bắt đầu lại."
)
AttemptExpired = _error("AttemptExpired", "ATTEMPT_EXPIRED", 409, "Đã hết thời gian làm bài.")
WeekClosed = _error("WeekClosed", "WEEK_CLOSED", 409, "Tuần thi đã kết thúc, không thể nộp bài.")
AlreadySubmitted = _error(
    "AlreadySubmitted", "ALREADY_SUBMITTED", 409, "Bài thi này đã được nộp với câu trả lời khác."
)
InvalidAnswer = _error("InvalidAnswer", "INVALID_ANSWER", 422, "Câu trả lời không thuộc bài thi này.")
Busy = _error("Busy", "TRY_AGAIN", 409, "Hệ thống đang bận xử lý yêu cầu trước của bạn. Vui lòng thử lại.")
