"""The error answers of the API, written into the OpenAPI document once for every operation
(a drf-spectacular post-processing hook): what DESIGN.md promises everywhere (400 field
errors, 401, 403, 404 outside the scope, 409, 413, 415, 429) is documented everywhere, with
the body the exception handler (servicedesk.api.errors) really sends."""

from __future__ import annotations

from typing import Any

# A 400 names the fields, each with its messages; a field may itself be called `code` (the
# catalogue's), so nothing is promised about the keys' types here.
FIELD_ERRORS = {
    "type": "object",
    "description": "Field errors: each field with its list of messages (`detail` / `code` when there is one "
    "message for the whole request).",
    "additionalProperties": True,
}
ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong, `code` is its machine-readable kind.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Invalid input: field errors, or a malformed body or query",
    "401": "Not signed in (no or an invalid token / session)",
    "403": "Your role may not do this",
    "404": "Not found, or outside your scope (the two are never told apart)",
    "405": "Method not allowed",
    "409": "Not possible in the object's current state; nothing changed",
    "413": "Upload over the size limit",
    "415": "Unsupported media type",
    "429": "Too many requests (throttled, or locked out after failed logins)",
}
WRITES = {"post", "put", "patch", "delete"}


def _error(code: str, description: str) -> dict[str, Any]:
    component = "FieldErrors" if code == "400" else "Error"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "404", "429"]
            if operation.get("security") != [{}] and operation.get("security") != []:
                codes += ["401", "403"]
            if method in WRITES:
                codes += ["409", "415"]
            if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                codes.append("413")
            responses = operation["responses"]
            for code in codes:
                existing = responses.get(code)
                if existing is None:
                    responses[code] = _error(code, DESCRIPTIONS[code])
                elif "content" not in existing:
                    existing.update(content=_error(code, "")["content"])
    return result
