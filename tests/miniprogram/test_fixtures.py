"""The mini-program's page tests run on API answers recorded from a real server
(``miniprogram/scripts/record.py``). This keeps them true: every recorded answer must be one the
schema documents for that operation and status, with no field the schema does not name — so a page
can only be tested on (and so only use) documented fields, and an API change that drops or renames
a field the mini-program reads fails here, not on a shopper's phone."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.test import Client

FIXTURES = Path(__file__).resolve().parents[2] / "miniprogram" / "test" / "fixtures"
PREFIX = "/api/v1"


@cache
def openapi() -> dict[str, Any]:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _strict(node: Any, components: dict[str, Any]) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``$ref`` inlined, ``nullable`` as a null type, and objects that
    list their properties closed to any other (a field the schema does not name is a failure)."""
    if isinstance(node, list):
        return [_strict(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _strict(components[node["$ref"].rsplit("/", 1)[1]], components)
    out = {
        k: _strict(v, components) for k, v in node.items() if k not in ("nullable", "readOnly", "writeOnly")
    }
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    bare = PREFIX + path.split("?", 1)[0]
    # literal segments first: ``orders/counts/`` is not the order numbered "counts"
    for template, item in sorted(openapi()["paths"].items(), key=lambda kv: kv[0].count("{")):
        pattern = (
            "^"
            + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "$"
        )
        if re.match(pattern, bare) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {bare} is not an operation of /api/schema/")


def _recordings() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def test_there_are_recordings():
    assert len(_recordings()) >= 20


@pytest.mark.parametrize("recording", _recordings(), ids=lambda p: p.stem)
def test_a_recorded_answer_is_what_the_schema_documents(recording):
    record = json.loads(recording.read_text(encoding="utf-8"))
    method, path, status = record["request"]["method"], record["request"]["path"], record["status"]
    template, operation = _operation(method, path)
    responses = operation["responses"]
    documented = responses.get(str(status)) or responses.get("default")
    assert documented is not None, f"{method} {template} does not document a {status} answer"
    content = documented.get("content", {})
    if record["body"] is None or not content:
        assert not content or record["body"] is None, f"{method} {template} {status} documents no body"
        return
    media = content.get("application/json") or next(iter(content.values()))
    schema = _strict(media.get("schema", {}), openapi()["components"]["schemas"])
    try:
        jsonschema.validate(record["body"], schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise AssertionError(
            f"{recording.name}: {method} {template} {status} at `{where}`: {exc.message}"
        ) from None
