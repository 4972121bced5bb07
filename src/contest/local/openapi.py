"""The OpenAPI 3.1 document, generated from the routes the handlers declare (contest.api.http.route).

Committed as docs/openapi.json; a test regenerates it and fails when the two differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

from contest.api.schemas import ERROR

ERRORS = {
    "400": "Yêu cầu không hợp lệ (JSON sai cú pháp, mã sai…)",
    "401": "Chưa đăng nhập hoặc phiên/mã không hợp lệ",
    "403": "Không được phép (bị loại khỏi dự thi, chưa xác thực…)",
    "404": "Không tìm thấy",
    "409": "Xung đột trạng thái (tuần chưa mở, đã nộp bài…)",
    "413": "Nội dung quá lớn",
    "415": "Sai kiểu nội dung (phải là application/json)",
    "422": "Dữ liệu không hợp lệ",
    "428": "Thiếu bước kiểm tra chống gửi tin nhắn tự động (tiêu đề X-Altcha)",
    "429": "Quá nhiều yêu cầu",
    "500": "Lỗi hệ thống (INTERNAL_ERROR): sự cố hạ tầng hoặc lỗi phần mềm, luôn được ghi log; gửi lại an toàn",
}
# every refusal has one body (contest.api.schemas.ERROR), written once in the document
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def document(functions: dict[str, ModuleType]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in sorted(functions):
        resolver = getattr(functions[name], "app", None)
        for route in sorted(getattr(resolver, "_static_routes", []), key=lambda r: (r.path, r.method)):
            meta = getattr(route.func, "openapi", None)
            if meta is None:
                raise ValueError(f"{name}: {route.method} {route.path} is not declared with contest.api.http.route")
            operation: dict[str, Any] = {
                "operationId": f"{route.func.__name__}",
                "summary": meta["summary"],
                "tags": [name],
                "responses": {
                    str(meta["status"]): {
                        "description": "Thành công",
                        "content": {"application/json": {"schema": meta["response"]}},
                    },
                    **{
                        code: {"description": text, "content": {"application/json": {"schema": ERROR_REF}}}
                        for code, text in ERRORS.items()
                    },
                },
            }
            if meta["request"] is not None:
                operation["requestBody"] = {
                    "required": bool(meta["request"].get("required")),
                    "content": {"application/json": {"schema": meta["request"]}},
                }
            if meta.get("proof"):
                operation["parameters"] = [
                    {
                        "name": "X-Altcha",
                        "in": "header",
                        "required": True,
                        "description": "Lời giải ALTCHA (base64) của một thử thách lấy từ GET /api/challenge; "
                        "mỗi thử thách chỉ dùng một lần",
                        "schema": {"type": "string", "maxLength": 4096},
                    }
                ]
            if meta["auth"]:
                operation["security"] = [{"session": []}]
            paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Contest API",
            "version": "1",
            "description": "API của cuộc thi trực tuyến. Mọi lỗi: 4xx với {code, message} (message tiếng Việt). "
            "Mọi câu trả lời (kể cả lỗi) có header X-Contest-Now (giờ của máy chủ, mili giây từ epoch) và "
            "X-Contest-Content (phiên bản nội dung cuộc thi đang dùng).",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR},
            # not Authorization: behind CloudFront's origin access control that header carries its signature
            "securitySchemes": {"session": {"type": "apiKey", "in": "header", "name": "X-Contest-Session"}},
        },
    }


def render(functions: dict[str, ModuleType]) -> str:
    return json.dumps(document(functions), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def load_functions(root: Path) -> dict[str, ModuleType]:
    """Import every functions/*/app.py (the caller provides a valid environment)."""
    from contest.local.stack import load_function

    return {p.parent.name: load_function(p, p.parent.name) for p in sorted((root / "functions").glob("*/app.py"))}
