"""Validates every response the integration tests receive against openapi.yaml.

validate(method, path, status, content_type, body) finds the path template and the
operation, picks the response for the status (or `default`), checks that the media
type is documented for it, and validates a JSON body against its schema (OpenAPI 3.1
schemas are JSON Schema 2020-12; `#/components/...` references are resolved against
the whole document). It raises AssertionError for a route, method, status or media
type the document does not describe, so the contract cannot silently drift.

One allowance: a request with a method the path does not have must get 405 with a
problem body — OpenAPI cannot list the methods a path does not have.

HEAD: the document lists a `head` operation beside every `get`; its answer must carry
no body, so only its status and media type are checked (against the head operation's
responses, the 405 allowance included).
Given the response headers, it also checks the X-Request-Id contract: the documented
response declares the header, and the live response carries one of the documented form.
"""
import json
import os
import re
from urllib.parse import urlsplit

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC_PATH = os.path.join(ROOT, "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

_doc = None
_templates = None

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_formats = jsonschema.FormatChecker()


@_formats.checks("date-time")
def _is_datetime(value):
    return not isinstance(value, str) or bool(RFC3339.match(value))


def document():
    global _doc, _templates
    if _doc is None:
        with open(DOC_PATH) as f:
            _doc = yaml.safe_load(f)
        _templates = []
        for template in _doc.get("paths", {}):
            parts = template.strip("/").split("/")
            rx = "^/" + "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
            # Literal segments win over parameters (e.g. /v1/rules/export vs /v1/rules/{id}).
            literal = sum(1 for p in parts if not p.startswith("{"))
            _templates.append((-literal, template, re.compile(rx)))
        _templates.sort()
    return _doc


def _resolve(obj):
    doc = document()
    while isinstance(obj, dict) and "$ref" in obj and obj["$ref"].startswith("#/"):
        node = doc
        for part in obj["$ref"][2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def find_operation(method, path):
    document()
    p = urlsplit(path).path
    for _, template, rx in _templates:
        if rx.match(p):
            item = _doc["paths"][template]
            return template, item.get(method.lower()), item
    return None, None, None


def _validator(schema):
    # The schema is embedded in a copy of the document so "#/components/..." resolves.
    root = dict(document())
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    resolver = jsonschema.RefResolver.from_schema(root)
    return jsonschema.Draft202012Validator(schema, resolver=resolver, format_checker=_formats)


def _check_request_id(resp, headers, what):
    """resp: the resolved response object (None for the undocumented-method 405)."""
    if headers is None:
        return
    if resp is not None and "X-Request-Id" not in (resp.get("headers") or {}):
        raise AssertionError("%s: openapi.yaml does not declare X-Request-Id for this response" % what)
    schema = _resolve(document()["components"]["headers"]["RequestId"])["schema"]
    value = {k.lower(): v for k, v in headers.items()}.get("x-request-id")
    if value is None or not re.match(schema["pattern"], value):
        raise AssertionError("%s: X-Request-Id %r is missing or not of the documented form" % (what, value))


def validate(method, path, status, content_type, body, headers=None):
    template, op, item = find_operation(method, path)
    if template is None:
        raise AssertionError("openapi.yaml has no path for %s %s" % (method, path))
    ctype = (content_type or "").split(";")[0].strip().lower()
    if method.upper() == "HEAD":
        if body:
            raise AssertionError("HEAD %s %d: answered with a body %r" % (template, status, body[:200]))
        if op is None:
            if status == 405 and ctype == "application/problem+json":
                return
            raise AssertionError("openapi.yaml has no head operation on %s (got %d)" % (template, status))
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get("default")
        if resp is None:
            raise AssertionError("openapi.yaml: HEAD %s does not document status %d" % (template, status))
        content = _resolve(resp).get("content") or {}
        if ctype and content and ctype not in content:
            raise AssertionError("HEAD %s %d: media type %r not documented" % (template, status, ctype))
        return
    if op is None:
        if status == 405 and ctype == "application/problem+json":
            _validator({"$ref": "#/components/schemas/Problem"}).validate(json.loads(body))
            _check_request_id(None, headers, "%s %s 405" % (method.upper(), template))
            return
        raise AssertionError("openapi.yaml has no %s operation on %s (got %d)" % (method, template, status))
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("default")
    if resp is None:
        raise AssertionError("openapi.yaml: %s %s does not document status %d" % (method.upper(), template, status))
    resp = _resolve(resp)
    _check_request_id(resp, headers, "%s %s %d" % (method.upper(), template, status))
    content = resp.get("content")
    if not content:
        if body:
            raise AssertionError("%s %s %d: documented without a body, got %r" % (method, template, status, body[:200]))
        return
    media = content.get(ctype)
    if media is None:
        raise AssertionError("%s %s %d: media type %r not documented (have %s)"
                             % (method.upper(), template, status, ctype, ", ".join(content)))
    schema = media.get("schema")
    if schema is None:
        return
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            data = json.loads(body)
        except ValueError as e:
            raise AssertionError("%s %s %d: body is not JSON: %s" % (method, template, status, e))
        try:
            _validator(schema).validate(data)
        except jsonschema.ValidationError as e:
            raise AssertionError("%s %s %d: response does not match openapi.yaml: %s at %s"
                                 % (method.upper(), template, status, e.message, list(e.absolute_path)))
