"""Hold a Bicep file and the ARM JSON compiled from it together.

No Bicep compiler runs here, so the committed JSON is checked against the parsed
Bicep source instead: parameter names, types, defaults and constraints; variable
and resource literals (image, SKUs, ports, address prefixes); resource types and
API versions; output names, types and the literal text of interpolated values.

The parser (pycep) reads an identifier and a string literal alike, so a Bicep
string matches a JSON value that is the same literal or that refers to the
parameter or variable of that name. Expressions are compared by shape: a Bicep
expression must compile to an ARM expression, and the literal text around each
`${...}` of an interpolation must appear in the compiled `format(...)`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pycep import BicepParser

REPO = Path(__file__).resolve().parents[2]
BICEP_DIR = REPO / "bicep"

# Bicep keys that the compiler turns into something else (dependsOn is generated,
# parent and scope become part of the name or of a nested deployment).
_COMPILED_AWAY = {"dependsOn", "parent", "scope"}

_DEPLOYMENTS = "Microsoft.Resources/deployments"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_DECORATOR_KEYS = {
    "allowed": "allowedValues",
    "min_value": "minValue",
    "max_value": "maxValue",
    "min_length": "minLength",
    "max_length": "maxLength",
}


def parse_bicep(text: str) -> dict[str, Any]:
    """Parse Bicep source text into pycep's JSON form."""
    result: dict[str, Any] = BicepParser().parse(text=text)
    return result


def load_pair(stem: str) -> tuple[str, dict[str, Any]]:
    """Read `bicep/<stem>.bicep` as text and `bicep/<stem>.json` as a template."""
    text = (BICEP_DIR / f"{stem}.bicep").read_text()
    template = json.loads((BICEP_DIR / f"{stem}.json").read_text())
    return text, template


def compare(bicep_text: str, template: dict[str, Any]) -> list[str]:
    """Every difference between the Bicep source and the compiled template, as messages."""
    doc = parse_bicep(bicep_text)
    drift: list[str] = []
    drift += _compare_parameters(doc.get("parameters", {}), template.get("parameters", {}))
    drift += _compare_variables(doc.get("variables", {}), template.get("variables", {}))
    resources = template.get("resources", [])
    nested = [r for r in resources if r.get("type") == _DEPLOYMENTS]
    drift += _compare_resources(doc.get("resources", {}), [r for r in resources if r not in nested])
    drift += _compare_modules(doc.get("modules", {}), nested)
    drift += _compare_outputs(doc.get("outputs", {}), template.get("outputs", {}))
    return drift


def compile_errors(bicep_text: str) -> list[str]:
    """Errors the Bicep compiler would report that the parsed source shows: BCP186, a
    literal argument of json() that is not JSON (Bicep parses it at compile time)."""
    doc = parse_bicep(bicep_text)
    errors: list[str] = []
    for kind in ("parameters", "variables", "resources", "modules", "outputs"):
        for name, declaration in doc.get(kind, {}).items():
            if any(_is_unparseable_json_literal(arg) for arg in _json_arguments(declaration)):
                errors.append(f"{kind[:-1]} {name}: BCP186 json() of a literal that is not JSON")
    return errors


def _json_arguments(node: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        function = node.get("function")
        if isinstance(function, dict) and function.get("type") == "json":
            found += list(function.get("parameters", {}).values())
        for value in node.values():
            found += _json_arguments(value)
    elif isinstance(node, list):
        for item in node:
            found += _json_arguments(item)
    return found


def _is_unparseable_json_literal(arg: Any) -> bool:
    # pycep spells an identifier and a string literal alike; an interpolation is no literal.
    if not isinstance(arg, str) or "${" in arg or _IDENTIFIER.match(arg):
        return False
    try:
        json.loads(arg)
    except ValueError:
        return True
    return False


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and not value.startswith("[[")


def _is_bicep_expression(value: Any) -> bool:
    return isinstance(value, dict) and bool({"function", "operator", "loop_type"} & value.keys())


def _decorators(param: dict[str, Any]) -> dict[str, Any]:
    return {d["type"]: d.get("argument") for d in param.get("decorators", [])}


def _compare_parameters(bicep: dict[str, Any], arm: dict[str, Any]) -> list[str]:
    drift = _compare_names("parameter", bicep, arm)
    for name in bicep.keys() & arm.keys():
        b, a = bicep[name], arm[name]
        decorators = _decorators(b)
        secure = "secure" in decorators
        expected_type = b["type"]
        if secure:
            expected_type = {"string": "securestring", "object": "secureObject"}[b["type"]]
        if a.get("type") != expected_type:
            drift.append(
                f"parameter {name}: type {b['type']!r}{' @secure' * secure} vs {a.get('type')!r}"
            )
        drift += _compare_default(name, b.get("default"), a)
        for decorator, key in _DECORATOR_KEYS.items():
            if decorators.get(decorator) != a.get(key):
                drift.append(
                    f"parameter {name}: {key} {decorators.get(decorator)!r} vs {a.get(key)!r}"
                )
        description = a.get("metadata", {}).get("description")
        if decorators.get("description") != description:
            drift.append(f"parameter {name}: description differs")
    return drift


def _compare_default(name: str, bicep_default: Any, arm: dict[str, Any]) -> list[str]:
    if bicep_default is None:
        if "defaultValue" in arm:
            return [f"parameter {name}: JSON has a default {arm['defaultValue']!r}, Bicep none"]
        return []
    if "defaultValue" not in arm:
        return [f"parameter {name}: Bicep default {bicep_default!r}, JSON none"]
    return [f"parameter {name}: {m}" for m in _same(bicep_default, arm["defaultValue"], "default")]


def _compare_variables(bicep: dict[str, Any], arm: dict[str, Any]) -> list[str]:
    drift = _compare_names("variable", bicep, arm)
    for name in bicep.keys() & arm.keys():
        drift += [f"variable {name}: {m}" for m in _same(bicep[name]["value"], arm[name], "")]
    return drift


def _compare_resources(bicep: dict[str, Any], arm: list[dict[str, Any]]) -> list[str]:
    declared = [(n, r) for n, r in bicep.items() if not r.get("existing")]
    if len(declared) != len(arm):
        return [f"resources: Bicep declares {len(declared)}, JSON has {len(arm)}"]
    drift: list[str] = []
    for (symbol, b), a in zip(declared, arm, strict=True):
        where = f"resource {symbol}"
        if (b["type"], b["api_version"]) != (a.get("type"), a.get("apiVersion")):
            drift.append(
                f"{where}: {b['type']}@{b['api_version']} vs {a.get('type')}@{a.get('apiVersion')}"
            )
            continue
        config = {k: v for k, v in b["config"].items() if k not in _COMPILED_AWAY}
        if "parent" in b["config"]:
            config.pop("name", None)
        compiled = {k: v for k, v in a.items() if k not in _COMPILED_AWAY | {"type", "apiVersion"}}
        if "parent" in b["config"]:
            compiled.pop("name", None)
        drift += [f"{where}: {m}" for m in _same(config, compiled, "")]
    return drift


def _compare_modules(bicep: dict[str, Any], arm: list[dict[str, Any]]) -> list[str]:
    """Each local module is a nested deployment whose inline template is the module compiled."""
    if len(bicep) != len(arm):
        return [f"modules: Bicep declares {len(bicep)}, JSON nests {len(arm)} deployments"]
    drift: list[str] = []
    for (symbol, module), deployment in zip(bicep.items(), arm, strict=True):
        where = f"module {symbol}"
        source = (BICEP_DIR / module["detail"]["path"]).read_text()
        inner = deployment.get("properties", {})
        drift += [f"{where}: {m}" for m in compare(source, inner.get("template", {}))]
        passed = inner.get("parameters", {})
        params = module["config"].get("params", {})
        drift += [f"{where}: param {m}" for m in _same(params, _values(passed), "")]
        drift += [
            f"{where}: {m}" for m in _same(module["config"]["name"], deployment["name"], "name")
        ]
    return drift


def _values(parameters: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("value") for k, v in parameters.items()}


def _compare_outputs(bicep: dict[str, Any], arm: dict[str, Any]) -> list[str]:
    drift = _compare_names("output", bicep, arm)
    for name in bicep.keys() & arm.keys():
        b, a = bicep[name], arm[name]
        if b["type"] != a.get("type"):
            drift.append(f"output {name}: type {b['type']!r} vs {a.get('type')!r}")
        if _decorators(b).get("description") != a.get("metadata", {}).get("description"):
            drift.append(f"output {name}: description differs")
        drift += [f"output {name}: {m}" for m in _same(b["value"], a.get("value"), "value")]
    return drift


def _compare_names(kind: str, bicep: dict[str, Any], arm: dict[str, Any]) -> list[str]:
    drift = [f"{kind} {n}: in Bicep only" for n in bicep if n not in arm]
    drift += [f"{kind} {n}: in JSON only" for n in arm if n not in bicep]
    if not drift and list(bicep) != list(arm):
        drift.append(f"{kind}s: declared in another order")
    return drift


def _same(b: Any, a: Any, path: str) -> list[str]:
    """Differences between a pycep value and its compiled JSON value at `path`."""
    here = path or "(top)"
    if _is_bicep_expression(b):
        if not _is_expression(a):
            return [f"{here}: expression in Bicep, {a!r} in JSON"]
        missing = [t for t in _expression_literals(b) if t.replace("'", "''") not in a]
        return (
            [f"{here}: literal {missing!r} of the Bicep expression not in {a!r}"] if missing else []
        )
    if isinstance(b, dict):
        if not isinstance(a, dict):
            return [f"{here}: object in Bicep, {a!r} in JSON"]
        b = _unquoted_keys(b, a)
        drift = [f"{path}.{k}: in Bicep only" for k in b if k not in a]
        drift += [f"{path}.{k}: in JSON only" for k in a if k not in b]
        for key in b.keys() & a.keys():
            drift += _same(b[key], a[key], f"{path}.{key}")
        return drift
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return [f"{here}: {b!r} in Bicep, {a!r} in JSON"]
        drift = []
        for i, (bi, ai) in enumerate(zip(b, a, strict=True)):
            drift += _same(bi, ai, f"{path}[{i}]")
        return drift
    if isinstance(b, str):
        return _same_string(b, a, here)
    if b != a or type(b) is not type(a):
        return [f"{here}: {b!r} in Bicep, {a!r} in JSON"]
    return []


def _expression_literals(node: Any) -> list[str]:
    """Strings in a pycep expression that can only be literals (an identifier has no '-',
    '/', '.', ' ' or ':'), and the literal text of the interpolations in it."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if len(key) > 2 and key[0] == key[-1] == "'":
                found += _literal_parts(key[1:-1]) if "${" in key else [key[1:-1]]
            if key != "type":
                found += _expression_literals(value)
    elif isinstance(node, list):
        for item in node:
            found += _expression_literals(item)
    elif isinstance(node, str):
        if "${" in node:
            found += _literal_parts(node)
        elif not _IDENTIFIER.match(node):
            found.append(node)
    return found


def _unquoted_keys(b: dict[str, Any], a: dict[str, Any]) -> dict[str, Any]:
    """Bicep keys as the JSON spells them: quotes dropped, an interpolated key paired with
    the JSON key that is an expression (in order)."""
    computed = iter(k for k in a if _is_expression(k))
    result: dict[str, Any] = {}
    for key, value in b.items():
        plain = key[1:-1] if len(key) > 1 and key[0] == key[-1] == "'" else key
        result[next(computed, plain) if "${" in plain else plain] = value
    return result


def _same_string(b: str, a: Any, here: str) -> list[str]:
    if "${" in b:
        if not _is_expression(a):
            return [f"{here}: interpolation {b!r} in Bicep, {a!r} in JSON"]
        missing = [part for part in _literal_parts(b) if part.replace("'", "''") not in a]
        return [f"{here}: literal text {missing!r} of {b!r} not in {a!r}"] if missing else []
    if a == b or a in (f"[parameters('{b}')]", f"[variables('{b}')]"):
        return []
    if b.startswith("[") and a == "[" + b:
        return []  # a literal starting with '[' is escaped as '[[' in JSON
    return [f"{here}: {b!r} in Bicep, {a!r} in JSON"]


def _literal_parts(text: str) -> list[str]:
    """The literal text between the `${...}` holes of a Bicep interpolation."""
    parts, current, depth, i = [], "", 0, 0
    while i < len(text):
        if depth == 0 and text.startswith("${", i):
            parts.append(current)
            current, depth, i = "", 1, i + 2
            continue
        char = text[i]
        if depth:
            depth += {"{": 1, "}": -1}.get(char, 0)
        else:
            current += char
        i += 1
    parts.append(current)
    return [p for p in parts if p]
