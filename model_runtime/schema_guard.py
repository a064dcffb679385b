"""Bound a JSON schema before llama.cpp turns it into a grammar.

llama.cpp trusts the grammar it is given: a schema whose `$ref` leads back to itself
(`{"properties": {"x": {"$ref": "#/properties/x"}}}`) becomes a left-recursive rule and
the sampler recurses until the process dies with SIGSEGV, and thousands of nesting levels
exhaust Python's stack in the converter. So a schema is checked here first, in plain
Python with no recursion on its depth: its size, its depth, the types of the keywords the
converter reads, and every `$ref` (local only, must resolve, no cycles). Recursive
schemas are refused: an answer format never needs one.
"""

from __future__ import annotations

import json
from typing import Any

from model_runtime.errors import SchemaError

MAX_SCHEMA_BYTES = 64 * 1024
MAX_SCHEMA_FILE_BYTES = 1024 * 1024  # the file as written: indented, it may be 64 KB x many
MAX_DEPTH = 64  # nested objects and arrays, counted on the JSON text (two per schema level)
MAX_NODES = 2000
TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def check_schema(schema: object) -> None:
    """Raise `SchemaError` (one line) unless llama.cpp can safely be given `schema`."""
    if not isinstance(schema, dict):
        raise SchemaError("the JSON schema must be an object")
    nodes = _walk(schema)  # first: the depth bound keeps json.dumps below from recursing
    size = len(json.dumps(schema))
    if size > MAX_SCHEMA_BYTES:
        raise SchemaError(f"the JSON schema is too large ({size:,} bytes; at most 64 KB)")
    for path, node in nodes:
        _check_node(path, node)
    _check_refs(schema, nodes)


def _walk(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every sub-schema with its JSON pointer, depth-bounded, without recursion."""
    found: list[tuple[str, dict[str, Any]]] = []
    stack: list[tuple[str, Any, int]] = [("#", schema, 1)]
    while stack:
        path, node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SchemaError(
                f"the JSON schema nests deeper than {MAX_DEPTH} levels (at {path[:60]}...)"
            )
        if isinstance(node, dict):
            found.append((path, node))
            if len(found) > MAX_NODES:
                raise SchemaError(f"the JSON schema has more than {MAX_NODES} parts")
            for key, value in node.items():
                if isinstance(value, dict | list):
                    stack.append((f"{path}/{_escape(str(key))}", value, depth + 1))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, dict | list):
                    stack.append((f"{path}/{index}", value, depth + 1))
    return found


def _check_node(path: str, node: dict[str, Any]) -> None:
    kind = node.get("type")
    if kind is not None and not (
        (isinstance(kind, str) and kind in TYPES)
        or (isinstance(kind, list) and kind and all(k in TYPES for k in kind))
    ):
        raise SchemaError(f"the JSON schema has an unknown type {kind!r} at {path}")
    for key in SCHEMA_MAPS:
        if key in node and not (
            isinstance(node[key], dict) and all(isinstance(v, dict) for v in node[key].values())
        ):
            raise SchemaError(f"'{key}' at {path} must map names to schemas")
    for key in SCHEMA_LISTS:
        if key in node and not (
            isinstance(node[key], list) and all(isinstance(v, dict) for v in node[key])
        ):
            raise SchemaError(f"'{key}' at {path} must be a list of schemas")
    if "required" in node and not (
        isinstance(node["required"], list) and all(isinstance(v, str) for v in node["required"])
    ):
        raise SchemaError(f"'required' at {path} must be a list of names")
    if "enum" in node and not isinstance(node["enum"], list):
        raise SchemaError(f"'enum' at {path} must be a list")
    if "$ref" in node and not isinstance(node["$ref"], str):
        raise SchemaError(f"'$ref' at {path} must be a string")


def _check_refs(schema: dict[str, Any], nodes: list[tuple[str, dict[str, Any]]]) -> None:
    """Every `$ref` is local and resolves; following refs never comes back to a ref."""
    by_path = {path: node for path, node in nodes}
    edges: dict[str, str] = {}  # the path of a node holding a $ref -> the path it points at
    for path, node in nodes:
        ref = node.get("$ref")
        if ref is None:
            continue
        if not ref.startswith("#"):
            raise SchemaError(f"'$ref' {ref!r} at {path} is not local (only '#/...' is allowed)")
        target = "#" + ref[1:].rstrip("/") if ref != "#" else "#"
        if target not in by_path:
            raise SchemaError(f"'$ref' {ref!r} at {path} points at nothing")
        edges[path] = target
    for start in edges:
        seen = {start}
        # A ref's target, and every schema inside it, may hold refs: follow them all.
        frontier = [edges[start]]
        while frontier:
            target = frontier.pop()
            for path in edges:
                if path == target or path.startswith(target + "/") or target == "#":
                    if path == start:
                        raise SchemaError(
                            f"the JSON schema is recursive ('$ref' at {start} leads back to "
                            "itself); recursive schemas are not supported"
                        )
                    if path not in seen:
                        seen.add(path)
                        frontier.append(edges[path])


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
