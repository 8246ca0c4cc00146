"""The documentation pages written from the code, so they cannot drift from it: the settings
reference from `Settings`, the HTTP API reference from the app's OpenAPI schema.

`make docs` runs `python -m newsdex.reference docs/reference` before `mkdocs build --strict`;
the pages it writes are not kept in git. The HTTP page needs the server extra and loads the
model (the app is built as `newsdex serve` builds it); the settings page needs neither.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from newsdex.settings import SERVER_FIELDS, Settings, env_name

SETTINGS_PAGE = "settings.md"
HTTP_PAGE = "http-api.md"
GENERATED = "<!-- Written by `python -m newsdex.reference` (make docs) from the code: do not edit. -->\n\n"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "see meaning" if field.annotation is not list else "none"
    value = field.default
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _kind(annotation: Any) -> str:
    """What a variable accepts, as a reader writes it: the choices, or the type's plain name."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not None and str(get_origin(annotation)).endswith("Literal"):
        return ", ".join(f"`{a}`" for a in get_args(annotation))
    if args and get_origin(annotation) is not list:
        return _kind(args[0]) if len(args) == 1 else " or ".join(_kind(a) for a in args)
    names = {bool: "true/false", int: "whole number", float: "number", str: "text", Path: "path"}
    if get_origin(annotation) is list:
        return "comma-separated list"
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def settings_page() -> str:
    """Every setting: its variable, what it accepts, its default and what it does."""
    rows = ["| Variable | Accepts | Default | Meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        used = " Read by `newsdex serve` only." if name in SERVER_FIELDS else ""
        rows.append(f"| `{env_name(name)}` | {_cell(_kind(field.annotation))} | {_default(field)} | "
                    f"{_cell(field.description or '')}{used} |")
    return (f"# Settings reference\n\n{GENERATED}"
            "Every setting is an environment variable; the commands' flags (`--index`, `--backend`, ...) win over "
            "them, and they win over the defaults. In Python, the same names are the fields of "
            "`newsdex.Settings` (`Settings(index_dir=\"my-index\", backend=\"torch\")`). A bad value stops a "
            "command with one line naming the variable and what it accepts; a `NEWSDEX_*` variable that is no "
            "setting is a warning naming the closest one.\n\n" + "\n".join(rows) + "\n")


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[`{name}`](#{name.lower()})"
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(_schema_name(s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    if "enum" in schema:
        return ", ".join(f"`{v}`" for v in schema["enum"])
    return f"`{schema.get('type', 'any')}`"


def http_page(spec: dict[str, Any]) -> str:
    """Each operation of the OpenAPI schema, its parameters, body and answers, then each schema."""
    out = [f"# HTTP API reference\n\n{GENERATED}",
           f"newsdex {spec['info']['version']}. The live schema is at `/openapi.json` and the interactive "
           "documentation at `/docs` of a running `newsdex serve`.\n", spec["info"].get("description", ""), ""]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            out += [f"## {method.upper()} `{path}`", "", operation.get("description") or operation.get("summary", ""),
                    ""]
            parameters = operation.get("parameters", [])
            if parameters:
                out += ["| Parameter | In | Type | Required | Description |", "| --- | --- | --- | --- | --- |"]
                out += [f"| `{p['name']}` | {p['in']} | {_cell(_schema_name(p.get('schema', {})))} | "
                        f"{'yes' if p.get('required') else 'no'} | "
                        f"{_cell(p.get('description') or p.get('schema', {}).get('description', ''))} |"
                        for p in parameters]
                out.append("")
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                out += [f"Body (`{media}`): {_schema_name(content.get('schema', {}))}", ""]
            out += ["| Status | Content | Description |", "| --- | --- | --- |"]
            for status, answer in operation.get("responses", {}).items():
                contents = "; ".join(f"`{media}` {_schema_name(c.get('schema', {}))}"
                                     for media, c in answer.get("content", {}).items()) or "none"
                out.append(f"| {status} | {_cell(contents)} | {_cell(answer.get('description', ''))} |")
            out.append("")
    out += ["## Schemas", ""]
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        out += [f"### {name}", "", _cell(schema.get("description", "")).strip(), ""]
        properties = schema.get("properties", {})
        if properties:
            required = set(schema.get("required", []))
            out += ["| Field | Type | Required | Description |", "| --- | --- | --- | --- |"]
            out += [f"| `{field}` | {_cell(_schema_name(prop))} | {'yes' if field in required else 'no'} | "
                    f"{_cell(prop.get('description', ''))} |" for field, prop in properties.items()]
            out.append("")
        if schema.get("examples"):
            out += ["Example:", "", "```json", json.dumps(schema["examples"][0], indent=2, ensure_ascii=False),
                    "```", ""]
    return "\n".join(out).rstrip() + "\n"


def openapi_schema(embedder: Any = None) -> dict[str, Any]:
    """The schema of the app `newsdex serve` runs with the default settings (no NEWSDEX_* read)."""
    from newsdex.api.app import create_app
    from newsdex.index.embedder import Embedder

    settings = Settings.model_construct(batch_window_ms=0)
    return create_app(settings, embedder=embedder or Embedder.from_settings(settings)).openapi()


def write(folder: Path, embedder: Any = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = {SETTINGS_PAGE: settings_page(), HTTP_PAGE: http_page(openapi_schema(embedder))}
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in pages]


if __name__ == "__main__":
    for page in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/reference")):
        print(f"wrote {page}")
