"""Every error the API answers, in one shape: RFC 9457 problem details.

`application/problem+json` with `type`, `title`, `status` and `detail`. `detail` is the one
sentence every error has always carried, so a client that reads only `detail` keeps working;
`type` is `about:blank` (the status says it all), so `title` is the status's phrase, as the RFC
asks. A 422 adds `errors`, one entry per bad field, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def problem(status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any) -> ProblemResponse:
    """The answer for an error: status, one sentence, and any extension members (`errors`)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


def as_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI schema with every error response (4xx, 5xx) declared as application/problem+json,
    FastAPI's own 422 included, so that what the schema says is what the server sends."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[:1] in ("4", "5") and "application/json" in content:
                    content[MEDIA_TYPE] = {**content.pop("application/json"),
                                           "schema": {"$ref": "#/components/schemas/Problem"}}
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    return schema
