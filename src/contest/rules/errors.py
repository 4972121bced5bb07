"""Domain errors. Each carries a stable machine `code`, an HTTP status and a Vietnamese message.

Services raise them; `contest.api.http` maps them to responses exactly once. Nobody matches on messages.
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


# Request shape
class BadRequest(ContestError):
    code, status, message = "BAD_REQUEST", 400, "Yêu cầu không hợp lệ."


class InvalidJson(ContestError):
    code, status, message = "INVALID_JSON", 400, "Nội dung gửi lên không phải JSON hợp lệ."


class UnsupportedMediaType(ContestError):
    code, status, message = "UNSUPPORTED_MEDIA_TYPE", 415, "Nội dung phải ở dạng application/json."


class PayloadTooLarge(ContestError):
    code, status, message = "PAYLOAD_TOO_LARGE", 413, "Nội dung gửi lên quá lớn."


class ValidationFailed(ContestError):
    code, status, message = "VALIDATION_FAILED", 422, "Dữ liệu không hợp lệ."


class NotFound(ContestError):
    code, status, message = "NOT_FOUND", 404, "Không tìm thấy địa chỉ yêu cầu."


class MethodNotAllowed(ContestError):
    code, status, message = "METHOD_NOT_ALLOWED", 405, "Phương thức không được hỗ trợ."


# The perimeter (contest.rules.perimeter): the API answers only what came through CloudFront
class DirectAccessRefused(ContestError):
    code, status, message = (
        "DIRECT_ACCESS_REFUSED",
        403,
        "Yêu cầu phải được gửi qua trang web chính thức của cuộc thi.",
    )


class BadViewerAddress(ContestError):
    code, status, message = "BAD_VIEWER_ADDRESS", 400, "Không xác định được địa chỉ truy cập của bạn."


# Registration and accounts
class InvalidPhone(ContestError):
    code, status, message = (
        "INVALID_PHONE",
        422,
        "Số điện thoại không hợp lệ. Vui lòng nhập số di động Việt Nam.",
    )


class InvalidName(ContestError):
    code, status, message = "INVALID_NAME", 422, "Họ và tên không hợp lệ."


class UnknownUnit(ContestError):
    code, status, message = "UNKNOWN_UNIT", 422, "Đơn vị không có trong danh sách."


class WeakPassword(ContestError):
    code, status, message = "WEAK_PASSWORD", 422, "Mật khẩu phải có từ 8 đến 128 ký tự."


class ConsentRequired(ContestError):
    code, status, message = (
        "CONSENT_REQUIRED",
        422,
        "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để đăng ký.",
    )


class UnknownConsentPurpose(ContestError):
    code, status, message = "UNKNOWN_CONSENT_PURPOSE", 422, "Mục đồng ý không có trong chính sách quyền riêng tư."


class RequiredConsent(ContestError):
    code, status, message = (
        "REQUIRED_CONSENT",
        409,
        "Sự đồng ý này là điều kiện để tham gia Cuộc thi nên không thể rút lại riêng. "
        "Nếu bạn không muốn tiếp tục, hãy gửi «Yêu cầu xóa dữ liệu» trên Trang của tôi.",
    )


class PasswordIncorrect(ContestError):
    code, status, message = (
        "PASSWORD_INCORRECT",
        403,
        "Mật khẩu không đúng (hoặc đã nhập sai nhiều lần, vui lòng thử lại sau ít phút).",
    )


class PrivacyRequestNotFound(ContestError):
    code, status, message = "PRIVACY_REQUEST_NOT_FOUND", 404, "Không tìm thấy yêu cầu này."


class PhoneTaken(ContestError):
    code, status, message = (
        "PHONE_ALREADY_REGISTERED",
        409,
        "Số điện thoại này đã được đăng ký. Mỗi người chỉ có một tài khoản.",
    )


class Excluded(ContestError):
    code, status, message = (
        "EXCLUDED",
        403,
        # the contest's own wording (contest.yaml excluded_roles) replaces this generic text
        "Số điện thoại này thuộc danh sách không được dự thi Cuộc thi.",
    )


class TooManyRegistrations(ContestError):
    code, status, message = (
        "TOO_MANY_REGISTRATIONS",
        429,
        "Có quá nhiều lượt đăng ký từ địa chỉ này. Vui lòng thử lại sau.",
    )


# One-time codes
class CodeInvalid(ContestError):
    code, status, message = (
        "CODE_INVALID",
        400,
        "Mã xác thực không đúng, đã hết hạn hoặc đã bị khóa do nhập sai nhiều lần. "
        "Vui lòng kiểm tra lại hoặc yêu cầu gửi mã mới.",
    )


class CodeLocked(ContestError):
    code, status, message = "CODE_LOCKED", 429, "Bạn đã nhập sai quá nhiều lần. Vui lòng yêu cầu gửi mã mới."


class ResendTooSoon(ContestError):
    code, status, message = "RESEND_TOO_SOON", 429, "Vui lòng chờ trước khi yêu cầu gửi lại mã."


class AlreadyVerified(ContestError):
    code, status, message = "ALREADY_VERIFIED", 409, "Số điện thoại này đã được xác thực."


# Proof of work: every route that can send an SMS first needs a solved challenge
class ProofRequired(ContestError):
    code, status, message = (
        "POW_REQUIRED",
        428,
        "Thiếu bước kiểm tra chống gửi tin nhắn tự động. Vui lòng tải lại trang và thử lại.",
    )


class ProofInvalid(ContestError):
    code, status, message = (
        "POW_INVALID",
        403,
        "Bước kiểm tra chống gửi tin nhắn tự động không hợp lệ. Vui lòng tải lại trang và thử lại.",
    )


class ProofExpired(ContestError):
    code, status, message = (
        "POW_EXPIRED",
        403,
        "Bước kiểm tra chống gửi tin nhắn tự động đã hết hạn. Vui lòng gửi lại yêu cầu.",
    )


class ProofReused(ContestError):
    code, status, message = (
        "POW_REUSED",
        403,
        "Bước kiểm tra này đã được dùng cho một yêu cầu khác. Vui lòng gửi lại yêu cầu.",
    )


# SMS budgets and delivery. Nothing is lost when a code cannot be sent: the registration is stored,
# the contestant asks for the code again later (retry_after). `maybe_sent`: the gateway may have delivered it.
class SmsNotSent(ContestError):
    code, status, message = "SMS_NOT_SENT", 429, "Chưa gửi được tin nhắn mã xác thực. Vui lòng thử lại sau."
    maybe_sent = False


class SmsAddressBudget(SmsNotSent):
    code, status, message = (
        "SMS_ADDRESS_LIMIT",
        429,
        "Đã có quá nhiều tin nhắn mã xác thực được yêu cầu từ địa chỉ mạng của bạn trong giờ này. "
        "Vui lòng thử lại sau.",
    )


class SmsGlobalBudget(SmsNotSent):
    code, status, message = (
        "SMS_BUSY",
        429,
        "Hệ thống đang gửi quá nhiều tin nhắn trong giờ này. Vui lòng thử lại sau; "
        "tài khoản và bài thi của bạn vẫn được giữ nguyên.",
    )


class SmsSuspended(SmsNotSent):
    code, status, message = (
        "SMS_SUSPENDED",
        429,
        "Việc gửi tin nhắn mã xác thực đang tạm dừng để bảo vệ kinh phí của Cuộc thi; Ban Tổ chức đã được báo. "
        "Vui lòng thử lại sau hoặc liên hệ Ban Tổ chức.",
    )


class SmsGatewayFailed(SmsNotSent):
    code, status, message = (
        "SMS_GATEWAY_FAILED",
        429,
        "Nhà cung cấp dịch vụ tin nhắn đang gặp sự cố nên chưa gửi được mã. Vui lòng thử lại sau ít phút.",
    )


class SmsGatewayTimeout(SmsNotSent):
    code, status, message = (
        "SMS_UNCONFIRMED",
        429,
        "Chưa xác nhận được tin nhắn mã đã gửi đi. Nếu sau một phút vẫn chưa nhận được mã, vui lòng bấm “Gửi lại mã”.",
    )
    maybe_sent = True


class AwardNotFound(ContestError):
    code, status, message = "AWARD_NOT_FOUND", 404, "Không có giải nào cần xác nhận cho tuần này."


class AwardDeadlinePassed(ContestError):
    code, status, message = (
        "AWARD_DEADLINE_PASSED",
        409,
        "Đã quá hạn xác nhận qua trang web. Giải của bạn vẫn được giữ để Ban Tổ chức xem xét: "
        "vui lòng liên hệ Ban Tổ chức.",
    )


# Sessions
class LoginFailed(ContestError):
    """The one answer to every refused login: wrong password, unknown phone, a phone locked out after too many
    attempts, or (at_registration) an account whose phone is not yet verified. Same status and body for all."""

    code, status, message = (
        "LOGIN_FAILED",
        401,
        "Số điện thoại hoặc mật khẩu không đúng, hoặc tài khoản tạm thời chưa đăng nhập được "
        "(chưa xác thực số điện thoại, hoặc đã nhập sai nhiều lần: thử lại sau ít phút). "
        "Bạn có thể đặt lại mật khẩu bằng mã gửi tới số điện thoại.",
    )


class LoginThrottled(ContestError):
    """Too many refused logins from one network address (depends on the address only, never on a phone)."""

    code, status, message = (
        "LOGIN_THROTTLED",
        429,
        "Có quá nhiều lượt đăng nhập sai từ địa chỉ mạng này. Vui lòng thử lại sau.",
    )


class Unauthorized(ContestError):
    code, status, message = "UNAUTHORIZED", 401, "Bạn cần đăng nhập để tiếp tục."


class Forbidden(ContestError):
    code, status, message = "FORBIDDEN", 403, "Bạn không có quyền thực hiện thao tác này."


# Quiz
class NotVerified(ContestError):
    code, status, message = "NOT_VERIFIED", 403, "Bạn cần xác thực số điện thoại trước khi dự thi."


class WeekNotOpen(ContestError):
    code, status, message = "WEEK_NOT_OPEN", 409, "Hiện không có tuần thi nào đang mở."


class NoAttemptsLeft(ContestError):
    code, status, message = "NO_ATTEMPTS_LEFT", 409, "Bạn đã dùng hết số lượt thi của tuần này."


class InvalidToken(ContestError):
    code, status, message = "INVALID_TOKEN", 401, "Phiên làm bài không hợp lệ. Vui lòng bắt đầu lại."


class NotYourAttempt(ContestError):
    code, status, message = (
        "NOT_YOUR_ATTEMPT",
        403,
        "Bài thi này thuộc về tài khoản khác. Vui lòng đăng nhập đúng tài khoản đã làm bài để nộp.",
    )


class StaleAttempt(ContestError):
    """The attempt token was issued before the account's password was reset: fetch it again (same attempt)."""

    code, status, message = (
        "ATTEMPT_STALE",
        409,
        "Mật khẩu của tài khoản đã được đặt lại sau khi bạn nhận đề. Vui lòng mở lại trang thi để tiếp tục.",
    )


class AttemptExpired(ContestError):
    code, status, message = "ATTEMPT_EXPIRED", 409, "Đã hết thời gian làm bài."


class WeekClosed(ContestError):
    code, status, message = "WEEK_CLOSED", 409, "Tuần thi đã kết thúc, không thể nộp bài."


class AlreadySubmitted(ContestError):
    code, status, message = "ALREADY_SUBMITTED", 409, "Bài thi này đã được nộp với câu trả lời khác."


class InvalidAnswer(ContestError):
    code, status, message = "INVALID_ANSWER", 422, "Câu trả lời không thuộc bài thi này."


class Busy(ContestError):
    code, status, message = (
        "TRY_AGAIN",
        409,
        "Hệ thống đang bận xử lý yêu cầu trước của bạn. Vui lòng thử lại.",
    )


# Content and the weekly close
class ContentMissing(ContestError):
    code = "CONTENT_MISSING"
    status = 503
    message = "Cuộc thi chưa được cấu hình. Vui lòng quay lại sau."


class UnknownWeek(ContestError):
    code = "UNKNOWN_WEEK"
    status = 404
    message = "Không có tuần thi này."


class WeekNotOver(ContestError):
    code = "WEEK_NOT_OVER"
    status = 409
    message = "Tuần thi chưa đến giờ công bố kết quả."


class AlreadyPublished(ContestError):
    """A rerun of a week whose published results would change: refused unless the organisers ask to republish
    (`contest close-week --week N --republish`); the previous files are then archived, never overwritten."""

    code = "ALREADY_PUBLISHED"
    status = 409
    message = (
        "Kết quả tuần này đã được công bố và lần chốt này cho kết quả khác (dữ liệu đã thay đổi). "
        "Không ghi đè. Nếu chắc chắn muốn công bố lại, chạy lại với --republish: bản cũ được lưu lại."
    )


class WeekStillOpen(ContestError):
    """Refused whatever the flag: no key, no ranking before the week's window (closes_at + grace) has ended,
    by the contest's clock and by the server's own clock."""

    code = "WEEK_STILL_OPEN"
    status = 409
    message = (
        "Tuần thi vẫn đang diễn ra (chưa hết giờ đóng và thời gian gia hạn nộp bài): "
        "không thể chốt kết quả hay công bố đáp án trước thời điểm đó."
    )


class UnknownGroup(ContestError):
    code = "UNKNOWN_GROUP"
    status = 404
    message = "Không có nhóm đồng hạng này trong kết quả hiện tại của tuần."


class OrderMismatch(ContestError):
    code = "ORDER_MISMATCH"
    status = 422
    message = "Thứ tự phải liệt kê đúng và đủ các thành viên của nhóm đồng hạng, mỗi người một lần."


class MissingReason(ContestError):
    code = "REASON_REQUIRED"
    status = 422
    message = "Cần ghi lý do và người quyết định."


# Personal data lifecycle: erasure and the retention purge
class UnknownAccount(ContestError):
    code = "ACCOUNT_NOT_FOUND"
    status = 404
    message = "Không có tài khoản này (có thể dữ liệu đã được xoá)."


class DataPurged(ContestError):
    """After the retention purge the standings are gone: a republication would publish an empty ranking."""

    code = "DATA_PURGED"
    status = 409
    message = (
        "Dữ liệu cá nhân của cuộc thi đã được xoá theo thời hạn lưu trữ: không thể chốt lại hay công bố lại kết quả."
    )
