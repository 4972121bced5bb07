"""Account API: the signed-in contestant's own account (my page, a prize's phone confirmation, download my
data, consents, erasure request) and a unit coordinator's page. Every route needs a current session."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.api import schemas as s
from contest.api.http import bearer, make_resolver, route
from contest.api.runtime import build_runtime

runtime = build_runtime()
app = make_resolver(runtime.origin, lambda: runtime)


@route(app, "GET", "/api/me", response=s.ME, auth=True)
def me():
    """Hồ sơ và các lượt thi của tôi."""
    return runtime.accounts.me(bearer(app))


@route(app, "POST", "/api/me/award", request=s.AWARD_CONFIRM, response=s.MESSAGE, auth=True)
def confirm_award(body):
    """Xác nhận số điện thoại cho giải của một tuần bằng mã gửi sau khi công bố kết quả."""
    return runtime.accounts.confirm_award(bearer(app), **body)


@route(app, "GET", "/api/me/data", response=s.MY_DATA, auth=True)
def my_data():
    """Tải dữ liệu của tôi: mọi dữ liệu đang lưu về tài khoản (JSON)."""
    return runtime.privacy.my_data(bearer(app))


@route(app, "POST", "/api/me/consents", request=s.CONSENT_CHANGE, response=s.CONSENTS_CHANGED, auth=True)
def change_consent(body):
    """Rút lại (hoặc đồng ý lại) sự đồng ý với một mục đích không bắt buộc."""
    return runtime.privacy.set_consent(bearer(app), **body)


@route(app, "POST", "/api/me/erasure", request=s.ERASURE, response=s.ERASURE_REQUESTED, status=202, auth=True)
def request_erasure(body):
    """Yêu cầu xóa dữ liệu của tôi (nhập lại mật khẩu); được ghi vào sổ yêu cầu và xử lý trong thời hạn."""
    return runtime.privacy.request_erasure(bearer(app), **body)


@route(app, "GET", "/api/coordinator", response=s.COORDINATOR, auth=True)
def coordinator():
    """Đơn vị của tôi (người phụ trách đơn vị): ai đã đăng ký, ai đã tham gia từng tuần; không có điểm."""
    return runtime.coordinators.unit_page(bearer(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
