"""JSON request bodies: size and media-type limits, strict parsing, declared fields only.

The same ``Field`` declarations check a body and describe it in the OpenAPI
document, so what the document promises is exactly what the API accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from beast.http_api.messages import ApiRequest
from beast.http_api.problems import ApiProblem

MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, kw_only=True)
class Field:
    """One body field: its JSON type and the limits checked before the core sees it."""

    name: str
    kind: str  # "string", "integer" or "string-array"
    description: str
    required: bool = False
    max_length: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_items: int | None = None
    example: Any = None

    def schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of this field."""
        string: dict[str, Any] = {"type": "string"}
        if self.max_length is not None:
            string["maxLength"] = self.max_length
        if self.pattern is not None:
            string["pattern"] = self.pattern
        if self.enum is not None:
            string["enum"] = list(self.enum)
        if self.kind == "integer":
            schema: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        elif self.kind == "string-array":
            schema = {"type": "array", "items": string, "minItems": 1}
            if self.max_items is not None:
                schema["maxItems"] = self.max_items
        else:
            schema = string
        if not self.required:
            # null means "use the default", so clients can send every field.
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        schema["description"] = self.description
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema

    def check(self, value: Any) -> str | None:
        """What is wrong with ``value``, or None when it fits."""
        if self.kind == "integer":
            # bool is an int in Python, never in JSON.
            if isinstance(value, bool) or not isinstance(value, int):
                return "Must be a whole number."
            if self.minimum is not None and value < self.minimum:
                return f"Must be at least {self.minimum}."
            if self.maximum is not None and value > self.maximum:
                return f"Must be at most {self.maximum}."
            return None
        if self.kind == "string-array":
            if not isinstance(value, list):
                return "Must be a list of strings."
            if not value:
                return "Must hold at least one item."
            if self.max_items is not None and len(value) > self.max_items:
                return f"Must hold at most {self.max_items} items."
            for index, item in enumerate(value):
                wrong = self._check_string(item)
                if wrong:
                    return f"Item {index}: {wrong}"
            return None
        return self._check_string(value)

    def _check_string(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return "Must be a string."
        if self.max_length is not None and len(value) > self.max_length:
            return f"Must be at most {self.max_length} characters."
        if self.enum is not None and value not in self.enum:
            return f"Must be one of {', '.join(self.enum)}."
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return f"Must match {self.pattern}."
        return None


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def read_object(request: ApiRequest, *, required: bool) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` unless ``required``."""
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiProblem(
            "payload-too-large",
            f"The body has {len(request.body)} bytes; the limit is {MAX_BODY_BYTES}.",
        )
    if not request.body.strip():
        if required:
            raise ApiProblem(
                "validation",
                "This request needs a JSON object body.",
                fields={"body": "Send a JSON object."},
            )
        return {}
    content_type = request.header("content-type") or ""
    if not _is_json(content_type):
        raise ApiProblem(
            "unsupported-media-type",
            f"Send the body as application/json, not {content_type[:80] or 'no content type'}.",
            headers={"Accept-Post": "application/json"},
        )
    try:
        text = request.body.decode("utf-8")
        document = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates
        )
    except UnicodeDecodeError:
        raise ApiProblem(
            "validation", "The body is not UTF-8 text.", fields={"body": "Encode it as UTF-8."}
        ) from None
    except RecursionError:
        raise ApiProblem(
            "validation", "The body nests too deeply.", fields={"body": "Nest less deeply."}
        ) from None
    except ValueError as exc:
        raise ApiProblem(
            "validation",
            f"The body is not valid JSON: {str(exc)[:200]}",
            fields={"body": "Send well-formed JSON."},
        ) from None
    if not isinstance(document, dict):
        raise ApiProblem(
            "validation",
            "The body must be a JSON object.",
            fields={"body": "Send a JSON object such as {}."},
        )
    return document


def check_fields(document: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """The declared fields present in ``document``; 400 naming every unknown or bad field.

    A JSON null counts as absent, so clients may send every field and leave some unset.
    """
    declared = {spec.name: spec for spec in fields}
    problems: dict[str, str] = {}
    for name in document:
        if name not in declared:
            problems[name[:100]] = "Unknown field."
    values: dict[str, Any] = {}
    for spec in fields:
        value = document.get(spec.name)
        if value is None:
            if spec.required:
                problems[spec.name] = "Required."
            continue
        wrong = spec.check(value)
        if wrong:
            problems[spec.name] = wrong
        else:
            values[spec.name] = value
    if problems:
        names = ", ".join(problems)
        raise ApiProblem("validation", f"Check these fields: {names}.", fields=problems)
    return values
