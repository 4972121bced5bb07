"""Request and response schemas of the HTTP API (JSON Schema, OpenAPI 3.1 dialect).

Used at run time by contest.api.validation and at build time for docs/openapi.json.
"""

from __future__ import annotations

from typing import Any


def _string(max_length: int, min_length: int = 1, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """A response schema with every object in it closed (`additionalProperties: false`) unless the object
    states its own `additionalProperties`: nothing a handler returns goes undocumented, and a field added
    without its schema fails the tests that check real responses (tests/support.check_documented)."""
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {k: _closed(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _closed(out["items"])
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _closed(out["additionalProperties"])
    kinds = out.get("type")
    if (kinds == "object" or (isinstance(kinds, list) and "object" in kinds)) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _open(description: str) -> dict[str, Any]:
    """An object whose keys are not listed here, on purpose (says why)."""
    return {"type": "object", "additionalProperties": True, "description": description}


PHONE = _string(40, description="Số di động Việt Nam, mọi cách viết thông dụng")
CODE = _string(12, description="Mã xác thực 6 chữ số")
PASSWORD = _string(256, description="8–128 ký tự")

REGISTER = _object(
    {
        "full_name": _string(300),
        "phone": PHONE,
        "unit_id": _string(64),
        "password": PASSWORD,
        "consents": {
            "type": "object",
            "description": "Một ô cho mỗi mục đích xử lý dữ liệu (GET /api/contest: consent_purposes): "
            "mã mục đích → true/false; mọi mục bắt buộc phải là true",
            "maxProperties": 20,
            "propertyNames": {"maxLength": 40},
            "additionalProperties": {"type": "boolean"},
        },
        "consent": {
            "type": "boolean",
            "const": True,
            "description": "Cũ (một ô duy nhất): chỉ tương đương đồng ý các mục bắt buộc",
        },
    },
    ["full_name", "phone", "unit_id", "password"],
)
CONSENT_CHANGE = _object(
    {
        "purpose": _string(40, description="Mã mục đích (consent_purposes[].id)"),
        "given": {"type": "boolean", "description": "false: rút lại sự đồng ý; true: đồng ý lại"},
    }
)
ERASURE = _object({"password": PASSWORD})
TICKET = _string(128, 16, description="Phiếu đăng ký trả về khi đăng ký / lấy lại số (chỉ trình duyệt đó giữ)")
VERIFY = _object({"phone": PHONE, "code": CODE, "ticket": TICKET}, ["phone", "code"])
RECLAIM = REGISTER
AWARD_CONFIRM = _object({"week": {"type": "integer", "minimum": 1, "maximum": 60}, "code": CODE})
PHONE_ONLY = _object({"phone": PHONE})
LOGIN = _object({"phone": PHONE, "password": PASSWORD})
RESET_CONFIRM = _object({"phone": PHONE, "code": CODE, "new_password": PASSWORD})
QUIZ = _object({}, [])
SUBMIT = _object(
    {
        "token": _string(4096),
        "answers": {
            "type": "object",
            "maxProperties": 100,
            "propertyNames": {"maxLength": 64},
            "additionalProperties": _string(1),
        },
        "prediction": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
    }
)

# Responses (documentation; tests check real responses against them)
MESSAGE = _closed({"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]})
REGISTERED = _closed(
    {
        "type": "object",
        "properties": {
            "verification_required": {"type": "boolean"},
            "message": {"type": "string"},
            "ticket": {"type": "string"},
            "code_sent": {
                "type": "boolean",
                "description": "false: đã đăng ký nhưng chưa gửi được mã, hãy gửi lại sau",
            },
            "retry_after_seconds": {"type": "integer"},
            "token": {
                "type": "string",
                "description": "chỉ khi xác thực lúc trao giải (at_award) và đăng ký đã tạo tài khoản: phiên đăng "
                "nhập, như khi đăng nhập (không cần đăng nhập lại); số đã có người đăng ký: không có phiên",
            },
            "expires_at": {"type": "string", "format": "date-time", "description": "hạn của phiên (cùng token)"},
        },
        "required": ["verification_required", "message", "ticket"],
    }
)
RECLAIM_STARTED = _closed(
    {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "ticket": {"type": "string"},
            "resend_after_seconds": {"type": "integer"},
        },
        "required": ["message", "ticket", "resend_after_seconds"],
    }
)
CHALLENGE = _closed(
    {
        "type": "object",
        "description": "Thử thách ALTCHA (PoW v2, PBKDF2/SHA-256) để giải trong trình duyệt",
        "properties": {
            "parameters": _open("Tham số của thử thách theo định dạng ALTCHA (thư viện altcha quyết định)"),
            "signature": {"type": "string"},
        },
        "required": ["parameters", "signature"],
    }
)
RESENT = _closed(
    {
        "type": "object",
        "properties": {"message": {"type": "string"}, "resend_after_seconds": {"type": "integer"}},
        "required": ["message", "resend_after_seconds"],
    }
)
SESSION = _closed(
    {
        "type": "object",
        "properties": {"token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}},
        "required": ["token", "expires_at"],
    }
)
UNITS = _closed(
    {
        "type": "object",
        "properties": {
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    "required": ["id", "name"],
                },
            },
            "units": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "group": {"type": "string"},
                        "group_name": {"type": "string"},
                    },
                    "required": ["id", "name", "group", "group_name"],
                },
            },
        },
        "required": ["groups", "units"],
    }
)
CONTEST = _closed(
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "theme": {"type": "string"},
            "now": {"type": "string", "format": "date-time"},
            "questions_per_attempt": {"type": "integer"},
            "options_per_question": {"type": "integer"},
            "points_per_question": {"type": "integer"},
            "max_score": {"type": "integer"},
            "attempts_per_week": {"type": "integer"},
            "currency": {"type": "string"},
            "timezone": {"type": "string"},
            "time_limit_seconds": {"type": "integer"},
            "show_score_on_submit": {"type": "boolean"},
            "phone_verification": {"type": "boolean"},
            "verification": {"type": "string", "enum": ["at_registration", "at_award"]},
            "award_confirmation_hours": {"type": "integer"},
            "consent_version": {"type": "string"},
            "consent_text": {"type": "string"},
            "consent_purposes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "text": {"type": "string"},
                        "required": {"type": "boolean"},
                    },
                    "required": ["id", "title", "text", "required"],
                },
            },
            "open_week": {"type": ["integer", "null"]},
            "weeks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"},
                        "opens_at": {"type": "string"},
                        "closes_at": {"type": "string"},
                        "results_at": {"type": "string"},
                    },
                    "required": ["number", "opens_at", "closes_at", "results_at"],
                },
            },
        },
        "required": ["name", "theme", "now", "weeks", "questions_per_attempt"],
    }
)
CONSENT_ROW = {
    "type": "object",
    "properties": {
        "purpose": {"type": "string"},
        "title": {"type": "string"},
        "required": {"type": "boolean"},
        "given": {"type": "boolean"},
        "version": {"type": ["string", "null"]},
        "given_at": {"type": ["string", "null"], "format": "date-time"},
        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["purpose", "title", "required", "given", "version", "given_at", "withdrawn_at"],
}


ATTEMPT_SUMMARY = {
    "type": "object",
    "properties": {
        "week": {"type": "integer"},
        "attempt_id": {"type": "string"},
        "issued_at": {"type": "string"},
        "expires_at": {"type": "string"},
        "submitted_at": {"type": ["string", "null"]},
        "duration_ms": {"type": ["integer", "null"]},
        "score": {"type": ["integer", "null"]},
        "max_score": {"type": "integer", "description": "Điểm tối đa của lượt này (số câu × điểm mỗi câu)"},
    },
    "required": ["week", "attempt_id", "issued_at", "expires_at", "submitted_at", "max_score"],
}
ME = _closed(
    {
        "type": "object",
        "properties": {
            "full_name": {"type": "string"},
            "phone_masked": {"type": "string"},
            "unit_id": {"type": "string"},
            "unit_name": {"type": "string"},
            "verified": {"type": "boolean"},
            "attempts": {"type": "array", "items": ATTEMPT_SUMMARY},
            "verification": {"type": "string", "enum": ["at_registration", "at_award"]},
            "awards": {
                "type": "array",
                "description": "Giải chờ xác nhận số điện thoại (chế độ at_award)",
                "items": {
                    "type": "object",
                    "properties": {
                        "week": {"type": "integer"},
                        "prize": {"type": "string"},
                        "deadline": {"type": "string", "format": "date-time"},
                        "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
                        "contact": {
                            "type": "boolean",
                            "description": "Ban Tổ chức được gọi điện, nhắn tin về giải (mục đích prize_contact)",
                        },
                    },
                    "required": ["week", "prize", "deadline", "confirmed_at", "contact"],
                },
            },
            "is_coordinator": {
                "type": "boolean",
                "description": "Người phụ trách đơn vị (có trang Đơn vị của tôi)",
            },
            "consents": {"type": "array", "items": CONSENT_ROW, "description": "Sự đồng ý theo từng mục đích"},
        },
        "required": [
            "full_name",
            "phone_masked",
            "unit_id",
            "unit_name",
            "verified",
            "attempts",
            "is_coordinator",
        ],
    }
)
# The coordinator's page: one unit, participation yes/no, never a score or a province-wide figure.
COORDINATOR = _closed(
    {
        "type": "object",
        "properties": {
            "unit_id": {"type": "string"},
            "unit_name": {"type": "string"},
            "headcount": {"type": ["integer", "null"]},
            "registered": {"type": "integer"},
            "not_shown": {
                "type": "integer",
                "description": "Người đã đăng ký nhưng không đồng ý cho người phụ trách xem tên (vẫn được tính)",
            },
            "week": {"type": ["integer", "null"], "description": "Tuần đang mở, hoặc tuần gần nhất đã mở"},
            "weeks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"},
                        "opens_at": {"type": "string"},
                        "closes_at": {"type": "string"},
                        "open": {"type": "boolean"},
                        "took_part": {"type": "integer"},
                        "not_yet": {"type": "integer"},
                    },
                    "required": ["number", "opens_at", "closes_at", "open", "took_part", "not_yet"],
                    "additionalProperties": False,
                },
            },
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "full_name": {"type": "string"},
                        "phone_masked": {"type": "string"},
                        "verified": {"type": "boolean"},
                        "took_part": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["full_name", "phone_masked", "verified", "took_part"],
                    "additionalProperties": False,
                },
            },
            "generated_at": {"type": "string"},
        },
        "required": [
            "unit_id",
            "unit_name",
            "headcount",
            "registered",
            "week",
            "weeks",
            "members",
            "generated_at",
        ],
        "additionalProperties": False,
    }
)
QUIZ_STARTED = _closed(
    {
        "type": "object",
        "properties": {
            "attempt_id": {"type": "string"},
            "token": {"type": "string"},
            "week": {"type": "integer"},
            "issued_at": {"type": "string"},
            "expires_at": {"type": "string"},
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "options": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                                "required": ["id", "text"],
                                "additionalProperties": False,
                            },
                        },
                    },
                    "required": ["id", "text", "options"],
                    "additionalProperties": False,
                },
            },
            "prediction": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "max": {"type": "integer"}},
                "required": ["text"],
            },
        },
        "required": ["attempt_id", "token", "week", "issued_at", "expires_at", "questions", "prediction"],
        "additionalProperties": False,
    }
)
RECEIPT = _closed(
    {
        "type": "object",
        "properties": {
            "attempt_id": {"type": "string"},
            "week": {"type": "integer"},
            "received_at": {"type": "string"},
            "duration_ms": {"type": "integer"},
            "score": {"type": ["integer", "null"]},
            "questions": {"type": "integer"},
            "max_score": {"type": "integer", "description": "questions × quiz.points_per_question"},
            "answers_sha256": {"type": "string", "description": "SHA-256 of the submitted answers and prediction"},
            "code": {"type": "string", "description": "short attempt code, e.g. 7K3M-Q9XD"},
            "v": {"type": "integer"},
            "alg": {"type": "string", "enum": ["Ed25519"]},
            "key_id": {"type": "string"},
            "signature": {"type": "string", "description": "Ed25519 over the signed fields (base64)"},
        },
        "required": ["attempt_id", "week", "received_at", "duration_ms"],
    }
)

CONSENTS_CHANGED = _closed(
    {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "consents": {"type": "array", "items": CONSENT_ROW},
            "request_id": {"type": "string", "description": "Mã yêu cầu trong sổ yêu cầu về dữ liệu cá nhân (rút lại)"},
        },
        "required": ["message", "consents"],
    }
)
ERASURE_REQUESTED = _closed(
    {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "request_id": {"type": "string"},
            "received_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["pending", "done"]},
        },
        "required": ["message", "request_id", "received_at", "due_at", "status"],
    }
)
_RECORDS = {"type": "array", "items": _open("Một bản ghi đang lưu, đủ mọi trường của nó (contest.privacy)")}
MY_DATA = _closed(
    {
        "type": "object",
        "description": "Mọi dữ liệu đang lưu về tài khoản (trừ các giá trị băm bí mật, có nêu lý do trong withheld)",
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "controller": {"type": "string"},
            "account_id": {"type": "string"},
            "profile": _open("Hồ sơ tài khoản, đủ mọi trường đang lưu"),
            "consents": {"type": "array", "items": CONSENT_ROW},
            "attempts": _RECORDS,
            "standings": _RECORDS,
            "awards": _RECORDS,
            "coordinator_appointments": _RECORDS,
            "disqualifications": _RECORDS,
            "committee_decisions": _RECORDS,
            "reclaims": _RECORDS,
            "phone_claim": _RECORDS,
            "codes": _RECORDS,
            "privacy_requests": _RECORDS,
            "other": _RECORDS,
            "withheld": _open("Trường không trả về → lý do"),
        },
        "required": [
            "generated_at",
            "controller",
            "account_id",
            "profile",
            "consents",
            "attempts",
            "standings",
            "awards",
            "coordinator_appointments",
            "privacy_requests",
            "withheld",
        ],
    }
)

# Every refusal: {code, message} and, for some codes, one of these (contest.rules.errors, `**extra`)
ERROR = _closed(
    {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "Mã lỗi ổn định (contest.rules.errors)"},
            "message": {"type": "string", "description": "Lời nhắn tiếng Việt cho người dùng"},
            "field": {"type": ["string", "null"], "description": "VALIDATION_FAILED: trường không hợp lệ"},
            "retry_after": {"type": "integer", "description": "Các lỗi gửi tin nhắn (429): số giây nên chờ"},
            "opens_at": {"type": "string", "format": "date-time", "description": "WEEK_NOT_OPEN: tuần sau mở lúc"},
            "purpose": {"type": "string", "description": "Lỗi về sự đồng ý: mã mục đích liên quan"},
            "receipt": {**RECEIPT, "description": "ALREADY_SUBMITTED: biên nhận của lần nộp đã ghi nhận"},
        },
        "required": ["code", "message"],
    }
)
