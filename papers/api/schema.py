"""The API's OpenAPI schema says every status an operation answers, not only its successes.

drf-spectacular documents what the views declare; this AutoSchema adds the answers every
view shares, each with its JSON body:

- 400 where the request carries input (query parameters or a body): ``ValidationError``,
  field names mapped to messages (``detail`` for a body that does not parse);
- 401 everywhere, with ``WWW-Authenticate: Token``: an invalid token on any request, and no
  credentials where signing in is needed;
- 403 on writes: a session request without the CSRF token, or an item that is not yours;
- 404 where the path names something (a paper, a collection, a review) or a page number
  past the last page;
- 415 where a body is read; 429 where the per-user write limit applies;
- and, where a view declares it, 409 (valid, but clashing with what exists).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

_COMPONENTS = {
    ERROR: {
        "type": "object",
        "description": "What went wrong, in one sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": (
            "Each field that is wrong, with its messages (non_field_errors for the request as "
            "a whole); or detail alone when the body cannot be read."
        ),
        "properties": {
            "detail": {"type": "string"},
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": {},
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input: the body names each field that is wrong and why.",
    "401": "Credentials needed: none were sent where signing in is needed, or the token is "
    "not valid.",
    "403": "Refused: not yours to change, or a session request without its CSRF token.",
    "404": "Not found: no such paper or item for you, no such page, or an id that is not one.",
    "409": "Valid, but it clashes with what exists (the body names the field and why).",
    "415": "The body's content type is not one the API reads.",
    "429": "Too many changes in a short time; Retry-After says when to try again.",
}

_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "Token: send Authorization: Token <key>.",
            "schema": {"type": "string"},
        }
    },
}

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    def _error_ref(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=_COMPONENTS[name]
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _throttled(self) -> bool:
        view = self.view
        if self.method not in _WRITES:
            return False
        return bool(getattr(view, "throttle_classes", ()))

    def _error_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = ["401"]
        if has_body or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        if self.method in _WRITES:
            codes.append("403")
        paginated = any(p["in"] == "query" and p["name"] == "page" for p in parameters)
        if paginated or any(p["in"] == "path" for p in parameters):
            codes.append("404")
        if has_body:
            codes.append("415")
        if self._throttled():
            codes.append("429")
        return codes

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code not in _DESCRIPTIONS:
                continue
            if not response.get("description"):
                response["description"] = _DESCRIPTIONS[code]
            # A code the view declared without a body gets the shared one.
            body = self._error_ref(VALIDATION_ERROR if code in ("400", "409") else ERROR)
            response.setdefault("content", {"application/json": {"schema": body}})
            if code in _HEADERS:
                response.setdefault("headers", {}).update(_HEADERS[code])
        return operation
