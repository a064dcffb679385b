"""Run a model's chat template bounded in time and in the size of what it builds.

Jinja's sandbox stops attribute tricks and bounds `range()`, but neither time nor memory:
nested `range(99999)` loops never returned, and `'x' * 500000000` took 2.7 GB. Here every
render runs in a worker thread that is interrupted after `RENDER_SECONDS` (an exception
raised in it between two bytecodes, which a template's loops always reach), and every
value the template builds or reads (operators, calls, filters, attributes, the output) is
refused once it would exceed `MAX_TEXT` characters or items. Anything a template raises
becomes one `TemplateError` (a `ModelError`: exit code 6), never a Python-internal line.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Callable, Sized
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from model_runtime.errors import ModelError

RENDER_SECONDS = 2.0
MAX_TEXT = 16 * 1024 * 1024  # characters or items: far over any real prompt (~1M characters)
_MAX_POWER_BITS = 64


class TemplateError(ModelError):
    """The model's chat template could not be rendered; `hostile` when it ran too long or
    built too much (a model file made to hurt), not merely failed on a conversation."""

    def __init__(self, message: str, hostile: bool = False) -> None:
        super().__init__(message)
        self.hostile = hostile


class _Refused(Exception):
    """A bound was hit inside the template (raised in the worker, reported as one line)."""


class _TimedOut(BaseException):
    """Raised asynchronously in the worker when the time is up (BaseException: a template's
    own `except Exception` in our hooks cannot swallow it)."""


def _check(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEXT:
        raise _Refused(f"a number over {MAX_TEXT:,}")
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_TEXT:
        raise _Refused(f"a value over {MAX_TEXT:,} characters or items")
    return value


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, dict) else 0


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "*":
            count = right if isinstance(right, int) else left if isinstance(left, int) else 1
            if max(_sized(left), _sized(right)) * abs(count) > MAX_TEXT:
                raise _Refused(f"a repetition over {MAX_TEXT:,} characters or items")
        elif op == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left).bit_length() * right > _MAX_POWER_BITS:
                raise _Refused(f"a power over {_MAX_POWER_BITS} bits")
        elif op == "+" and _sized(left) + _sized(right) > MAX_TEXT:
            raise _Refused(f"a value over {MAX_TEXT:,} characters or items")
        return _check(self.binop_table[op](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        for value in (*args, *kwargs.values()):
            _check(value)
        return _check(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        return _check(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _check(super().getitem(obj, argument))


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            _check(value)
        return _check(function(*args, **kwargs))

    return bounded


def render_bounded(template: jinja2.Template, variables: dict[str, Any]) -> str:
    """The template's output, or a `TemplateError` once it runs too long or builds too much."""
    done: list[str] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            parts: list[str] = []
            size = 0
            for part in template.generate(**variables):
                size += len(part)
                if size > MAX_TEXT:
                    raise _Refused(f"an output over {MAX_TEXT:,} characters")
                parts.append(part)
            done.append("".join(parts))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            failed.append(exc)

    worker = threading.Thread(target=work, name="chat-template", daemon=True)
    worker.start()
    worker.join(RENDER_SECONDS)
    if worker.is_alive():
        _interrupt(worker)
        worker.join(1.0)
        raise TemplateError(
            f"the model's chat template ran longer than {RENDER_SECONDS:g} s; it is refused",
            hostile=True,
        )
    if failed:
        raise _translate(failed[0])
    return done[0]


def _interrupt(worker: threading.Thread) -> None:
    if worker.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(_TimedOut)
        )


def _translate(exc: BaseException) -> TemplateError:
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, _TimedOut):
        return TemplateError(
            f"the model's chat template ran longer than {RENDER_SECONDS:g} s; it is refused",
            hostile=True,
        )
    if isinstance(exc, _Refused):
        return TemplateError(f"the model's chat template is refused: it builds {exc}", True)
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(f"the model's chat template failed: {exc}")
    if isinstance(exc, RecursionError):
        return TemplateError("the model's chat template is refused: it recurses too deeply", True)
    if isinstance(exc, MemoryError | OverflowError):
        reason = "ran out of memory" if isinstance(exc, MemoryError) else exc
        return TemplateError(f"the model's chat template is refused: {reason}", True)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return TemplateError(f"the model's chat template failed: {first}")
