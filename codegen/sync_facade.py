"""Generate `sdk/execwire/sync.py`, the blocking facade of the async SDK.

The async classes are the implementation; this script introspects them (signatures,
annotations, defaults, docstrings) and writes one sync class per async class whose
methods run the async ones on a shared loop thread (`execwire.event_loop_thread`). A sync
method therefore has exactly the async method's parameters and documentation, and its
result type with `AsyncIterator[X]` read as `Iterator[X]` and SDK objects read as their
sync wrappers.

Usage: python -m codegen.sync_facade [--check]   (--check: fail if sync.py is stale)
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "sdk" / "execwire" / "sync.py"

# (async module, class, alias of the async module in sync.py, may be constructed directly)
WRAPPED: tuple[tuple[str, str, str, bool], ...] = (
    ("execwire.client", "ExecServerClient", "async_client", False),
    ("execwire.session", "ExecSession", "async_session", False),
    ("execwire.remote_file", "RemoteFile", "async_remote_file", False),
    ("execwire.http", "HttpResponse", "async_http", False),
    ("execwire.missing_watch", "MissingWatch", "async_missing_watch", False),
    ("execwire.executor", "Executor", "async_executor", True),
)
WRAPPED_NAMES = frozenset(name for _, name, _, _ in WRAPPED)
SYNC_DUNDERS = {"__aenter__": "__enter__", "__aexit__": "__exit__"}

MODULE_DOCSTRING = '''\
"""Blocking API of execwire: the same classes, methods and fields as the async API.

    from execwire.sync import Executor

    with Executor.connect_websocket("ws://127.0.0.1:8765") as executor:
        result = executor.run(["uname", "-a"])
        for chunk in executor.spawn(["make"]).output():
            print(chunk.data)

Every method runs the async implementation on one shared event-loop thread
(`execwire.event_loop_thread`) and blocks for its result; async iterators become
iterators. There is no second implementation to drift.

Why generated rather than a dynamic wrapper: a `__getattr__` proxy would hide every method
from editors and `mypy --strict`, and a hand-written typed wrapper is a second tree to keep
in step. This file is written by `codegen/sync_facade.py` from the async classes'
signatures, so it is fully typed, and `make check-codegen` (and a unit test) fail when it is
stale. Do not edit it; change the async API and regenerate.
"""'''


@dataclass
class Imports:
    """`from module import name` lines, grouped and ordered like isort/ruff."""

    names: dict[str, set[str]] = field(default_factory=dict)
    type_checking: dict[str, set[str]] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)

    def add_module(self, module: str) -> None:
        self.modules.add(module)

    def add(self, module: str, name: str, *, type_checking: bool = False) -> None:
        target = self.type_checking if type_checking else self.names
        target.setdefault(module, set()).add(name)

    @staticmethod
    def _lines(
        modules: dict[str, set[str]], indent: str = "", plain_modules: frozenset[str] = frozenset()
    ) -> list[str]:
        def sort_key(name: str) -> tuple[int, str]:
            bare = name.split(" as ")[0]
            kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
            return (kind, bare)

        every = set(modules) | plain_modules
        stdlib = sorted(m for m in every if m.split(".")[0] in sys.stdlib_module_names)
        first_party = sorted(m for m in every if m not in stdlib)
        lines: list[str] = []
        for group in (stdlib, first_party):
            # isort/ruff order: `import x` lines first, then `from x import y` lines.
            lines += [f"{indent}import {module}" for module in group if module in plain_modules]
            for module in [m for m in group if m in modules]:
                names = sorted(modules[module], key=sort_key)
                aliased = [n for n in names if " as " in n]
                plain = [n for n in names if " as " not in n]
                for name in aliased:
                    lines.append(f"{indent}from {module} import {name}")
                if plain:
                    line = f"{indent}from {module} import {', '.join(plain)}"
                    if len(line) > 100:
                        body = "".join(f"{indent}    {n},\n" for n in plain)
                        line = f"{indent}from {module} import (\n{body}{indent})"
                    lines.append(line)
            if group and lines and lines[-1] != "":
                lines.append("")
        return lines[:-1] if lines and lines[-1] == "" else lines

    def render(self) -> str:
        lines = ["from __future__ import annotations", ""]
        lines += self._lines(self.names, plain_modules=frozenset(self.modules))
        if self.type_checking:
            lines += ["", "if TYPE_CHECKING:"]
            lines += self._lines(self.type_checking, indent="    ")
        return "\n".join(lines)


class Generator:
    """Collects imports while rendering classes."""

    def __init__(self) -> None:
        self.imports = Imports()
        self.imports.add("collections.abc", "Iterator")
        self.imports.add("execwire.event_loop_thread", "LoopThread")
        self.imports.add("execwire.event_loop_thread", "shared_loop")
        for module, _, alias, _ in WRAPPED:
            package, _, leaf = module.rpartition(".")
            self.imports.add(package, f"{leaf} as {alias}")
        self._imports_cache: dict[str, dict[str, tuple[str | None, str, bool]]] = {}

    # -- names -------------------------------------------------------------------------

    def _module_imports(self, module_name: str) -> dict[str, tuple[str | None, str, bool]]:
        """How a module's top level imports each name: {name: (from-module or None for
        `import x`, original name, under TYPE_CHECKING)}."""
        if module_name not in self._imports_cache:
            tree = ast.parse(inspect.getsource(sys.modules[module_name]))
            found: dict[str, tuple[str | None, str, bool]] = {}

            def collect(statements: list[ast.stmt], type_checking: bool) -> None:
                for statement in statements:
                    if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(
                        statement.test
                    ):
                        collect(statement.body, True)
                    elif isinstance(statement, ast.ImportFrom):
                        base = statement.module or ""
                        if statement.level:
                            package = module_name.split(".")[: -statement.level]
                            base = ".".join([*package, base] if base else package)
                        for alias in statement.names:
                            found[alias.asname or alias.name] = (base, alias.name, type_checking)
                    elif isinstance(statement, ast.Import):
                        for alias in statement.names:
                            found[alias.asname or alias.name] = (None, alias.name, type_checking)

            collect(tree.body, False)
            self._imports_cache[module_name] = found
        return self._imports_cache[module_name]

    def need(self, name: str, function: Callable[..., Any]) -> None:
        """Import `name` from where `function`'s module gets it (or defines it)."""
        if name in WRAPPED_NAMES or name in {"Iterator", "None", "True", "False"}:
            return
        imported = self._module_imports(function.__module__).get(name)
        if imported is not None:
            module, original, type_checking = imported
            if module is None:
                if original != name:
                    raise LookupError(f"{function.__qualname__}: `import ... as {name}`")
                self.imports.add_module(name)
            else:
                spelled = name if original == name else f"{original} as {name}"
                self.imports.add(module, spelled, type_checking=type_checking)
        elif name in function.__globals__:
            self.imports.add(function.__module__, name)
        elif not hasattr(builtins, name):
            raise LookupError(f"{function.__qualname__}: cannot resolve {name!r}")

    def rewrite(self, annotation: str, function: Callable[..., Any]) -> str:
        """An async-API annotation as the sync API spells it; imports what it names."""
        tree = ast.parse(annotation, mode="eval")

        class Rewriter(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.AST:
                if node.id == "AsyncIterator":
                    return ast.copy_location(ast.Name("Iterator", ast.Load()), node)
                return node

        tree = Rewriter().visit(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                self.need(node.id, function)
        return ast.unparse(tree)

    # -- classes -----------------------------------------------------------------------

    def render_class(self, module_name: str, class_name: str, alias: str, constructible: bool) -> str:
        cls = getattr(importlib.import_module(module_name), class_name)
        async_type = f"{alias}.{class_name}"
        doc = inspect.getdoc(cls) or ""
        out = [f"class {class_name}:", _docstring(doc + "\n\nBlocking: see `execwire.sync`.", 4)]
        out.append('    __slots__ = ("_async", "_loop")\n')
        out.append(f"    _async: {async_type}")
        out.append("    _loop: LoopThread\n")
        if constructible:
            out.append(self.render_init(cls, async_type))
        out.append(
            "    @classmethod\n"
            f"    def _wrap(cls, loop: LoopThread, wrapped: {async_type}) -> {class_name}:\n"
            "        self = cls.__new__(cls)\n"
            "        self._loop = loop\n"
            "        self._async = wrapped\n"
            "        return self\n"
        )
        out.append(
            "    @property\n"
            f"    def async_api(self) -> {async_type}:\n"
            '        """The async object this one drives (use it only on its loop thread)."""\n'
            "        return self._async\n"
        )
        out.append("    def __repr__(self) -> str:\n        return repr(self._async)\n")
        for name, member in self.members(cls):
            out.append(self.render_member(cls, async_type, name, member))
        return "\n".join(out).rstrip() + "\n"

    @staticmethod
    def members(cls: type) -> list[tuple[str, Any]]:
        """Public members in definition order, base classes first, overrides winning."""
        ordered: dict[str, Any] = {}
        for klass in reversed(cls.__mro__[:-1]):
            for name, member in vars(klass).items():
                if name.startswith("_") and name not in SYNC_DUNDERS:
                    continue
                ordered.pop(name, None)
                ordered[name] = member
        return list(ordered.items())

    def signature(
        self, function: Callable[..., Any], *, skip_first: bool
    ) -> tuple[str, list[Expression], str]:
        """(parameters text, call arguments, return annotation) of a function."""
        source = textwrap.dedent(inspect.getsource(function))
        definition = ast.parse(source).body[0]
        assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
        defaults = _default_texts(definition, source)
        for default in defaults.values():
            for node in ast.walk(ast.parse(default, mode="eval")):
                if isinstance(node, ast.Name):
                    self.need(node.id, function)
        signature = inspect.signature(function)
        params: list[str] = []
        args: list[Expression] = []
        star_done = False
        for index, parameter in enumerate(signature.parameters.values()):
            if index == 0 and skip_first:
                params.append(parameter.name)
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(f"{function.__qualname__}: *args/**kwargs are not supported")
            if parameter.kind is parameter.KEYWORD_ONLY and not star_done:
                params.append("*")
                star_done = True
            text = parameter.name
            annotation = parameter.annotation
            if annotation is not inspect.Parameter.empty:
                text += f": {self.rewrite(str(annotation), function)}"
            if parameter.name in defaults:
                text += f" = {defaults[parameter.name]}"
            params.append(text)
            value = _unwrap_expression(parameter.name, str(annotation))
            args.append(value if parameter.kind is not parameter.KEYWORD_ONLY
                        else f"{parameter.name}={value}")
        returns = signature.return_annotation
        result = "None" if returns is inspect.Signature.empty else str(returns)
        return _PARAM_SEPARATOR.join(params), args, result

    def render_init(self, cls: type, async_type: str) -> str:
        function = cls.__init__
        params, args, _ = self.signature(function, skip_first=True)
        loop_source = _loop_source(inspect.signature(function))
        construct = Call("self._loop.call", [async_type, *args])
        return (
            _def_line("__init__", params, "None")
            + _docstring(inspect.getdoc(function) or "", 8)
            + f"\n        self._loop = {loop_source}\n"
            + _statement("self._async = ", construct)
        )

    def render_member(self, cls: type, async_type: str, name: str, member: Any) -> str:
        if isinstance(member, property):
            assert member.fget is not None
            _, _, returns = self.signature(member.fget, skip_first=True)
            result_type = self.rewrite(returns, member.fget)
            value = _wrap(returns, "self._async." + name, "self._loop")
            return (
                "    @property\n"
                + _def_line(name, "self", result_type)
                + _docstring(inspect.getdoc(member) or "", 8)
                + "\n"
                + _statement("return ", value)
            )
        if isinstance(member, classmethod):
            function = member.__func__
            params, args, returns = self.signature(function, skip_first=True)
            if not inspect.iscoroutinefunction(function):
                raise TypeError(f"{cls.__name__}.{name}: only async class methods are supported")
            run = Call("loop.run", [Call(f"{async_type}.{name}", args)])
            return (
                "    @classmethod\n"
                + _def_line(name, params, self.rewrite(returns, function))
                + _docstring(inspect.getdoc(function) or "", 8)
                + "\n        loop = shared_loop()\n"
                + _statement("return ", _wrap(returns, run, "loop"))
            )
        if not callable(member):
            raise TypeError(f"{cls.__name__}.{name}: unsupported member {member!r}")
        function = member
        params, args, returns = self.signature(function, skip_first=True)
        sync_name = SYNC_DUNDERS.get(name, name)
        result_type = self.rewrite(returns, function)
        if name == "__aenter__":
            return f"    def __enter__(self) -> {cls.__name__}:\n        return self\n"
        bound = f"self._async.{name}"
        body: Expression
        if returns.startswith("AsyncIterator["):
            body = Call("self._loop.iterate", [Call("self._loop.call", [bound, *args])])
        elif inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
            body = _wrap(returns, Call("self._loop.run", [Call(bound, args)]), "self._loop")
        else:
            body = _wrap(returns, Call("self._loop.call", [bound, *args]), "self._loop")
        doc = inspect.getdoc(function) or ""
        return (
            _def_line(sync_name, params, result_type)
            + (_docstring(doc, 8) + "\n" if doc else "")
            + _statement("" if result_type == "None" else "return ", body)
        )


@dataclass
class Call:
    """A call expression, rendered on one line or one argument per line when too long."""

    function: str
    arguments: list[Expression]

    def flat(self) -> str:
        return f"{self.function}({', '.join(_flat(a) for a in self.arguments)})"


Expression = Call | str


def _flat(expression: Expression) -> str:
    return expression.flat() if isinstance(expression, Call) else expression


def _render(expression: Expression, indent: int, used: int) -> str:
    flat = _flat(expression)
    if used + len(flat) <= 100 or not isinstance(expression, Call) or not expression.arguments:
        return flat
    inner = indent + 4
    lines = [f"{expression.function}("]
    for argument in expression.arguments:
        lines.append(" " * inner + _render(argument, inner, inner + 1) + ",")
    lines.append(" " * indent + ")")
    return "\n".join(lines)


def _statement(prefix: str, expression: Expression, indent: int = 8) -> str:
    return " " * indent + prefix + _render(expression, indent, indent + len(prefix)) + "\n"


def _default_texts(
    definition: ast.FunctionDef | ast.AsyncFunctionDef, source: str
) -> dict[str, str]:
    """Default values as written in the source (so the sync signature reads the same)."""

    def text(node: ast.expr) -> str:
        return ast.get_source_segment(source, node) or ast.unparse(node)

    arguments = definition.args
    positional = [*arguments.posonlyargs, *arguments.args]
    texts: dict[str, str] = {}
    for argument, default in zip(
        positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True
    ):
        texts[argument.arg] = text(default)
    for argument, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if kw_default is not None:
            texts[argument.arg] = text(kw_default)
    return texts


_PARAM_SEPARATOR = "\x00"


def _def_line(name: str, params: str, returns: str, indent: int = 4) -> str:
    """`def name(params) -> returns:`, one parameter per line when it is too long."""
    pad = " " * indent
    items = params.split(_PARAM_SEPARATOR) if params else []
    line = f"{pad}def {name}({', '.join(items)}) -> {returns}:"
    if len(line) <= 100:
        return line + "\n"
    body = "".join(f"{pad}    {item},\n" for item in items)
    return f"{pad}def {name}(\n{body}{pad}) -> {returns}:\n"


def _wrapped_name(annotation: str) -> str | None:
    tree = ast.parse(annotation, mode="eval").body
    if isinstance(tree, ast.Name) and tree.id in WRAPPED_NAMES:
        return tree.id
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in WRAPPED_NAMES:
            raise TypeError(f"cannot wrap a {annotation!r} result (only a bare class)")
    return None


def _wrap(annotation: str, expression: Expression, loop: str) -> Expression:
    wrapped = _wrapped_name(annotation)
    return Call(f"{wrapped}._wrap", [loop, expression]) if wrapped else expression


def _unwrap_expression(name: str, annotation: str) -> str:
    if annotation == str(inspect.Parameter.empty):
        return name
    tree = ast.parse(annotation, mode="eval").body
    if isinstance(tree, ast.Name) and tree.id in WRAPPED_NAMES:
        return f"{name}._async"
    if (
        isinstance(tree, ast.BinOp)
        and isinstance(tree.left, ast.Name)
        and tree.left.id in WRAPPED_NAMES
        and isinstance(tree.right, ast.Constant)
        and tree.right.value is None
    ):
        return f"None if {name} is None else {name}._async"
    _wrapped_name(annotation)  # refuses nested wrapped types
    return name


def _loop_source(signature: inspect.Signature) -> str:
    """A constructor uses the loop of its first SDK-object argument, else the shared one."""
    for parameter in list(signature.parameters.values())[1:]:
        if str(parameter.annotation) in WRAPPED_NAMES:
            return f"{parameter.name}._loop"
    return "shared_loop()"


def _docstring(text: str, indent: int) -> str:
    pad = " " * indent
    text = text.replace("`async with`", "`with`").replace("`async for`", "`for`")
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.strip().splitlines() or [""]
    if len(lines) == 1 and len(pad) + len(lines[0]) + 6 <= 100:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join(f"{pad}{line}".rstrip() for line in lines)
    return f'{pad}"""{body.lstrip()}\n{pad}"""'


def generate() -> str:
    """The text of sync.py."""
    generator = Generator()
    classes = [generator.render_class(*entry) for entry in WRAPPED]
    header = "# Generated from the async API by `make codegen` (codegen/sync_facade.py); do not edit.\n"
    names = ", ".join(f'"{name}"' for name in sorted(WRAPPED_NAMES))
    return (
        header
        + MODULE_DOCSTRING
        + "\n\n"
        + generator.imports.render()
        + f"\n\n__all__ = [{names}]\n\n\n"
        + "\n\n".join(classes)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if sync.py is out of date")
    options = parser.parse_args(argv)
    text = generate()
    if options.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(REPO)}: stale; run `python -m codegen.sync_facade`")
            return 1
        print(f"{OUTPUT.relative_to(REPO)}: up to date")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
