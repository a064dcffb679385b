"""Check llama-cpp-python's ctypes structs against the C header they mirror.

llama-cpp-python hand-copies every struct of `llama.h` into ctypes. When the copy and the
compiled library disagree (a field added, moved or resized upstream), a struct passed by
value arrives shifted and llama.cpp reads garbage: a crash far from the cause, often only
on one build type. This compiles a tiny C program against the headers (gcc), prints
sizeof/offsetof of the same structs and fields, and compares them with ctypes.

    python bench/llama_abi.py                       # installed llama_cpp + the headers its
                                                    # wheel put in site-packages/include
    python bench/llama_abi.py --src DIR             # an unpacked sdist (no library needed)
    python bench/llama_abi.py --include DIR [...]   # headers from elsewhere

Exit code 0: every struct agrees; 1: a mismatch (listed on stdout); 2: nothing to compare
(no gcc, no headers).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ctypes names that are not the C struct name (anonymous unions in C), skipped by name.
SKIP = {"llama_model_kv_override_value", "llama_sampler_i"}


@dataclass
class Layout:
    """A struct's size and field offsets, from one side (ctypes or C)."""

    size: int
    offsets: dict[str, int] = field(default_factory=dict)
    # A union-typed field C may declare anonymous: its first member's name and offset.
    anonymous: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass
class Report:
    compared: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_bindings_from_source(src: Path) -> types.ModuleType:
    """Import `llama_cpp/llama_cpp.py` of an unpacked sdist without its shared library.

    The module resolves every function against the library at import time; a stand-in
    library that returns a settable dummy for any name lets the struct definitions load.
    """

    class _Func:
        argtypes: Any = None
        restype: Any = None

        def __call__(self, *args: object) -> int:
            return 0

    class _Lib:
        def __getattr__(self, name: str) -> _Func:
            return _Func()

    package = src / "llama_cpp"
    pkg = types.ModuleType("llama_cpp")
    pkg.__path__ = [str(package)]
    sys.modules["llama_cpp"] = pkg
    ext_spec = importlib.util.spec_from_file_location(
        "llama_cpp._ctypes_extensions", package / "_ctypes_extensions.py"
    )
    assert ext_spec is not None and ext_spec.loader is not None
    ext = importlib.util.module_from_spec(ext_spec)
    sys.modules[ext_spec.name] = ext
    ext_spec.loader.exec_module(ext)
    ext.load_shared_library = lambda *_a, **_k: _Lib()  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location("llama_cpp.llama_cpp", package / "llama_cpp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ctypes_layouts(module: types.ModuleType) -> dict[str, Layout]:
    """Every ctypes Structure defined in the bindings module, by its (C) name."""
    layouts: dict[str, Layout] = {}
    for name, obj in vars(module).items():
        if not (isinstance(obj, type) and issubclass(obj, ctypes.Structure)):
            continue
        if obj.__module__ != module.__name__ or name in SKIP:
            continue
        fields = getattr(obj, "_fields_", None)
        if not fields:
            continue  # opaque handle (struct declared, never laid out)
        layout = Layout(ctypes.sizeof(obj))
        for entry in fields:
            fname, ftype, offset = entry[0], entry[1], getattr(obj, entry[0]).offset
            layout.offsets[fname] = offset
            if isinstance(ftype, type) and issubclass(ftype, ctypes.Union):
                inner = ftype._fields_[0][0]
                layout.anonymous[fname] = (inner, offset + getattr(ftype, inner).offset)
        layouts[name] = layout
    return layouts


def _program(layouts: dict[str, Layout], skip_fields: set[tuple[str, str]]) -> str:
    lines = [
        "#include <stdio.h>",
        "#include <stddef.h>",
        '#include "llama.h"',
        "int main(void) {",
    ]
    for name, layout in sorted(layouts.items()):
        lines.append(f'  printf("S {name} %zu\\n", sizeof(struct {name}));')
        for fname in layout.offsets:
            if (name, fname) in skip_fields:
                continue
            lines.append(f'  printf("F {name} {fname} %zu\\n", offsetof(struct {name}, {fname}));')
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


_Q = "['\u2018\u2019]"  # gcc quotes with ' or with typographic quotes, by locale
_NO_MEMBER = re.compile(rf"{_Q}struct (\w+){_Q} has no member named {_Q}(\w+){_Q}")
_NO_STRUCT = re.compile(rf"to incomplete type {_Q}struct (\w+){_Q}")


def c_layouts(
    layouts: dict[str, Layout], include: list[Path], gcc: str
) -> tuple[dict[str, Layout], list[str], dict[str, Layout]]:
    """The same structs as C lays them out; fields/structs C lacks are reported, not fatal.

    Returns the C layouts, what C lacks, and the ctypes layouts as finally compared.
    """
    missing: list[str] = []
    skip_fields: set[tuple[str, str]] = set()
    wanted = dict(layouts)
    with tempfile.TemporaryDirectory() as tmp:
        source, binary = Path(tmp) / "abi.c", Path(tmp) / "abi"
        for _ in range(50):
            source.write_text(_program(wanted, skip_fields))
            cmd = [gcc, "-std=c11", "-o", str(binary), str(source)]
            cmd += [f"-I{d}" for d in include]
            env = {**os.environ, "LC_ALL": "C"}
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if done.returncode == 0:
                break
            progress = False
            for struct, fname in _NO_MEMBER.findall(done.stderr):
                if (struct, fname) in skip_fields or struct not in wanted:
                    continue
                skip_fields.add((struct, fname))
                progress = True
                layout = wanted[struct]
                if fname in layout.anonymous:  # C's union is anonymous: use its member
                    inner, offset = layout.anonymous.pop(fname)
                    layout = Layout(layout.size, dict(layout.offsets), layout.anonymous)
                    del layout.offsets[fname]
                    layout.offsets[inner] = offset
                    wanted[struct] = layout
                else:
                    missing.append(f"{struct}.{fname}: in ctypes, not in the C header")
            for struct in _NO_STRUCT.findall(done.stderr):
                if struct in wanted:
                    del wanted[struct]
                    missing.append(f"struct {struct}: in ctypes, not in the C header")
                    progress = True
            if not progress:
                raise RuntimeError("gcc failed:\n" + done.stderr[-3000:])
        out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    result: dict[str, Layout] = {}
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "S":
            result[parts[1]] = Layout(int(parts[2]))
        else:
            result[parts[1]].offsets[parts[2]] = int(parts[3])
    return result, missing, wanted


_CONSTANT = re.compile(r"^(LLAMA|GGML)_[A-Z0-9_]+$")
_UNDECLARED = re.compile(rf"{_Q}(\w+){_Q} undeclared")


def enum_problems(module: types.ModuleType, include: list[Path], gcc: str) -> tuple[int, list[str]]:
    """Python's copies of C enum values and defines (LLAMA_*, GGML_*) against C's."""
    wanted = {
        name: value
        for name, value in vars(module).items()
        if _CONSTANT.match(name) and isinstance(value, int) and not isinstance(value, bool)
    }
    with tempfile.TemporaryDirectory() as tmp:
        source, binary = Path(tmp) / "enums.c", Path(tmp) / "enums"
        for _ in range(50):
            body = "".join(f'  printf("{n} %lld\\n", (long long)({n}));\n' for n in sorted(wanted))
            source.write_text(
                '#include <stdio.h>\n#include "llama.h"\nint main(void) {\n'
                + body
                + "  return 0;\n}\n"
            )
            cmd = [gcc, "-std=c11", "-o", str(binary), str(source), *[f"-I{d}" for d in include]]
            done = subprocess.run(
                cmd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
            )
            if done.returncode == 0:
                break
            gone = set(_UNDECLARED.findall(done.stderr)) & set(wanted)
            if not gone:  # Python-only names (not in C) are not problems; anything else is
                raise RuntimeError("gcc failed:\n" + done.stderr[-3000:])
            for name in gone:
                del wanted[name]
        out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    problems = []
    for line in out.splitlines():
        name, value = line.split()
        if int(value) != wanted[name] and int(value) != wanted[name] & 0xFFFFFFFF:
            problems.append(f"{name}: Python {wanted[name]} != C {value}")
    return len(wanted), problems


_PROTOTYPE = re.compile(r"LLAMA_API\s+([^;{}()]*?)\b(llama_\w+)\s*\(([^;{}]*?)\)\s*[,;)]", re.S)


def c_prototypes(include: list[Path]) -> dict[str, list[str]]:
    """Each `LLAMA_API` function of llama.h: its parameter declarations."""
    header = next((d / "llama.h" for d in include if (d / "llama.h").is_file()), None)
    if header is None:
        return {}
    text = re.sub(r"//[^\n]*", "", header.read_text())
    found: dict[str, list[str]] = {}
    for _ret, name, params in _PROTOTYPE.findall(text):
        parts = [p.strip() for p in params.split(",") if p.strip()]
        found[name] = [] if parts == ["void"] else parts
    return found


def function_problems(module: types.ModuleType, include: list[Path]) -> tuple[int, list[str]]:
    """Argument counts, and structs passed by value, of every bound function vs llama.h."""
    prototypes = c_prototypes(include)
    problems: list[str] = []
    compared = 0
    for name, params in sorted(prototypes.items()):
        func = getattr(module, name, None)
        argtypes = getattr(func, "argtypes", None)
        if argtypes is None:
            continue
        compared += 1
        if len(argtypes) != len(params):
            problems.append(f"{name}(): {len(argtypes)} ctypes arguments != {len(params)} in C")
            continue
        for i, (decl, argtype) in enumerate(zip(params, argtypes, strict=True)):
            by_value = re.match(r"^(?:const\s+)?struct\s+(\w+)\s+\w+$", decl)
            if by_value and getattr(argtype, "__name__", "") != by_value.group(1):
                problems.append(
                    f"{name}(): argument {i} is struct {by_value.group(1)} by value in C, "
                    f"{getattr(argtype, '__name__', argtype)} in ctypes"
                )
    return compared, problems


def compare(module: types.ModuleType, include: list[Path], gcc: str = "gcc") -> Report:
    py = ctypes_layouts(module)
    c, missing, compared = c_layouts(py, include, gcc)
    report = Report(problems=list(missing))
    for name, theirs in sorted(c.items()):
        ours = compared[name]
        report.compared.append(name)
        if ours.size != theirs.size:
            report.problems.append(f"struct {name}: sizeof ctypes {ours.size} != C {theirs.size}")
        for fname, off in theirs.offsets.items():
            if ours.offsets[fname] != off:
                report.problems.append(
                    f"{name}.{fname}: offset ctypes {ours.offsets[fname]} != C {off}"
                )
    n_enums, problems = enum_problems(module, include, gcc)
    report.compared.append(f"{n_enums} constants")
    report.problems += problems
    n_funcs, problems = function_problems(module, include)
    report.compared.append(f"{n_funcs} functions")
    report.problems += problems
    return report


def header_dirs(root: Path) -> list[Path]:
    """`include` folders of llama.cpp and ggml under an sdist (or a llama.cpp checkout)."""
    for base in (root / "vendor" / "llama.cpp", root):
        if (base / "include" / "llama.h").is_file():
            return [base / "include", base / "ggml" / "include"]
    return []


def installed_headers(module: types.ModuleType) -> list[Path]:
    """The headers a llama-cpp-python wheel installs next to its package (site-packages/include)."""
    folder = Path(str(module.__file__)).resolve().parent.parent / "include"
    return [folder] if (folder / "llama.h").is_file() else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="unpacked llama-cpp-python sdist")
    parser.add_argument("--include", type=Path, action="append", default=[])
    parser.add_argument(
        "--skip", action="append", default=[], help="a struct known to differ (repeatable)"
    )
    args = parser.parse_args(argv)
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        print("llama_abi: no C compiler (gcc) on PATH", file=sys.stderr)
        return 2
    if args.src is not None:
        module = load_bindings_from_source(args.src.resolve())
        include = args.include or header_dirs(args.src.resolve())
    else:
        module = importlib.import_module("llama_cpp.llama_cpp")
        include = args.include or installed_headers(module)
    if not include:
        print("llama_abi: no llama.h given (--src SDIST or --include DIR)", file=sys.stderr)
        return 2
    report = compare(module, include, gcc)
    skipped = tuple(f"struct {name}:" for name in args.skip) + tuple(f"{n}." for n in args.skip)
    report.problems = [p for p in report.problems if not p.startswith(skipped)]
    for problem in report.problems:
        print(problem)
    state = "MISMATCH" if report.problems else "ok"
    structs = [c for c in report.compared if " " not in c]
    others = ", ".join(c for c in report.compared if " " in c)
    print(f"{state}: {len(structs)} structs, {others} compared; {len(report.problems)} problems")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
