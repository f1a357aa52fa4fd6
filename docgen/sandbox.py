"""The Jinja sandbox Word templates run in, with a budget for each document.

A template override is code an administrator uploads and the server runs for every firm. The
sandbox already refuses private attributes and unsafe calls; this one also counts the work a
template does (loop iterations, calls, operators), caps the size of every value it computes
and of the document, and stops at a deadline. The checks run before the costly step where they
can (`'x' * 10**9` is refused before the string exists) and after it where they cannot.
"""
from __future__ import annotations

import re
import time
from contextvars import ContextVar
from typing import Any, Iterable

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_STEPS = 1_000_000  # loop iterations, calls and operators in one document
MAX_VALUE = 1_000_000  # characters (or items) of any one value a template computes
MAX_WIDTH = 10_000  # a width or count given to center, ljust, indent, slice, …
MAX_RANGE = 10_000  # items of a range()
MAX_INT_BITS = 4096  # an integer a template computes (about 1,200 digits)
MAX_OUTPUT = 50_000_000  # characters of a filled document part
RENDER_SECONDS = 60.0

_SIZED_FILTERS = {"center", "indent", "slice", "batch", "wordwrap", "truncate"}
_SIZED_METHODS = {"ljust", "rjust", "center", "zfill", "expandtabs"}
# A width or precision in a %- or {}-format: "%1000000000s", "{:>1000000000}", "{:{w}}", "%*d".
_WIDE_SPEC = re.compile(r"%[-+ #0]*(\*|\d{5,})|%[-+ #0]*\d*\.(\*|\d{5,})|\{[^{}]*:[^{}]*(\{|\d{5,})")


class RenderLimit(Exception):
    """A template that does too much work; the message says what, in Chinese."""


class Budget:
    """The work one document may cost."""

    def __init__(self, seconds: float = RENDER_SECONDS):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.steps = self.output = self.chunks = 0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > MAX_STEPS:
            raise RenderLimit(f"模板运算次数过多（超过 {MAX_STEPS // 10000} 万次，可能是过大的循环），已停止")
        if self.steps & 0x3FF == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"模板填充超时（超过 {self.seconds:g} 秒），已停止")

    def emit(self, chunk: str) -> None:
        """A piece of output (held to MAX_OUTPUT in all; not a step: a long document is fine)."""
        self.output += len(chunk)
        self.chunks += 1
        if self.output > MAX_OUTPUT:
            raise RenderLimit(f"填充后的文书过大（超过 {MAX_OUTPUT // 10000} 万个字符），已停止")
        if self.chunks & 0x3FF == 0:
            self.check_time()


_budget: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def _current() -> Budget:
    # Outside GuardedEnvironment.render (a bare Template.render) each loop has its own budget.
    return _budget.get() or Budget()


_SIZED = (str, bytes, list, tuple, dict, set, frozenset)


def _limit(size: int) -> None:
    if size > MAX_VALUE:
        raise RenderLimit(f"模板中的运算结果过大（超过 {MAX_VALUE // 10000} 万个字符），已停止")


def _length(value: Any) -> int:
    return len(value) if isinstance(value, _SIZED) else 0


def _sized(value: Any) -> Any:
    _limit(_length(value))
    return value


def _check_widths(name: str, args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, bool):
            continue
        if (isinstance(arg, int) and abs(arg) > MAX_WIDTH) or (
                isinstance(arg, str) and len(arg) > MAX_WIDTH):
            raise RenderLimit(f"模板中 {name} 的宽度或数量过大（上限 {MAX_WIDTH}），已停止")


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _WIDE_SPEC.search(text):
        raise RenderLimit("模板中的格式宽度过大或由参数给出，已停止")


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        _limit(len(text) + hits * max(0, len(new) - len(old)))


def _check_join(sep: Any, items: Any) -> None:
    if isinstance(sep, str) and isinstance(items, (list, tuple)):
        _limit(len(sep) * len(items) + sum(map(_length, items)))


def _guarded_range(*args: int) -> range:
    rng = range(*args)
    try:
        size = len(rng)
    except OverflowError:  # more items than a Python int of the machine's size
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise RenderLimit(f"模板中的 range() 过大（上限 {MAX_RANGE} 项），已停止")
    return rng


def _guarded_filter(name: str, func):
    passed = 1 if getattr(func, "jinja_pass_arg", None) else 0  # the context, eval context…

    def guarded(*args, **kwargs):
        _current().step()
        values = args[passed:]
        if name in _SIZED_FILTERS:
            _check_widths(name, [*values[1:], *kwargs.values()])
            if name == "indent" and values and isinstance(values[0], str):
                width = (values[1:] or [kwargs.get("width", 4)])[0]
                _limit(len(values[0]) + (values[0].count("\n") + 1) *
                       (len(width) if isinstance(width, str) else int(width)))
        elif name == "format" and values:
            _check_format(values[0])
        elif name == "replace" and len(values) >= 3:
            _check_replace(values[0], values[1], values[2])
        elif name == "join" and values:
            items = values[0] if isinstance(values[0], (list, tuple)) else None
            _check_join(values[1] if len(values) > 1 else kwargs.get("d", ""), items)
        return _sized(func(*args, **kwargs))

    guarded.__name__ = getattr(func, "__name__", name)
    guarded.__dict__.update(getattr(func, "__dict__", {}))  # pass_context and the like
    return guarded


class _Counted:
    """An iterable whose every item costs a step."""

    def __init__(self, iterable: Any):
        self.iterable = iterable

    def __len__(self) -> int:
        return len(self.iterable)  # TypeError for a generator: the loop then counts as it goes

    def __iter__(self):
        budget = _current()
        for item in self.iterable:
            budget.step()
            yield item


class _GuardedCodeGenerator(CodeGenerator):
    """Compiles every for loop over `environment.counted(…)` and every `~` through
    `environment.sized(…)`, so that loops are counted and joined text is held to size."""

    def visit_For(self, node: nodes.For, frame) -> None:
        counted = nodes.Call(nodes.EnvironmentAttribute("counted"), [node.iter], [], None, None,
                             lineno=node.lineno)
        super().visit_For(nodes.For(node.target, counted, node.body, node.else_, node.test,
                                    node.recursive, lineno=node.lineno), frame)

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.sized(")
        super().visit_Concat(node, frame)
        self.write(")")


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with a work budget (see the module docstring).

    Operators that could build huge values are intercepted, which also keeps Jinja from
    folding them at compile time (`'x' * 10**9` would otherwise be built while compiling)."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options):
        super().__init__(**options)
        self.globals["range"] = _guarded_range
        self.globals.pop("lipsum", None)  # paragraphs of filler text on demand: not for forms
        self.filters = {name: _guarded_filter(name, f) for name, f in self.filters.items()}

    @staticmethod
    def concat(parts) -> str:  # macro bodies, {% set %} blocks, {% filter %} blocks
        return _sized("".join(parts))

    def counted(self, iterable: Any) -> _Counted:
        return _Counted(iterable)

    def sized(self, value: Any) -> Any:
        _current().step()
        return _sized(value)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _current().step()
        if operator == "*":
            seq, n = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(n, int) and _length(seq):
                _limit(n * len(seq))
            elif isinstance(left, int) and isinstance(right, int):
                self._check_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1:
                self._check_bits(abs(left).bit_length() * right)
        elif operator == "+":
            _limit(_length(left) + _length(right))
        elif operator == "%":
            _check_format(left)
        return _sized(super().call_binop(context, operator, left, right))

    @staticmethod
    def _check_bits(bits: int) -> None:
        if bits > MAX_INT_BITS:
            raise RenderLimit("模板中计算的数值过大，已停止")

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        _current().step()
        name = getattr(__obj, "__name__", "")
        # the str a method belongs to (the sandbox wraps str.format, the original is __wrapped__)
        target = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(target, str):
            if name in _SIZED_METHODS:
                _check_widths(name, [*args, *kwargs.values()])
            elif name in ("format", "format_map"):
                _check_format(target)
            elif name == "replace" and len(args) >= 2:
                _check_replace(target, args[0], args[1])
            elif name == "join" and args:
                _check_join(target, args[0])
        if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive loop
            args = (_Counted(args[0]), *args[1:])
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def render(self, template, context: dict, seconds: float = RENDER_SECONDS) -> str:
        """The template filled with `context`, within a fresh budget; RenderLimit past it."""
        budget = Budget(seconds)
        token = _budget.set(budget)
        try:
            parts = []
            for chunk in template.generate(context):
                budget.emit(chunk)
                parts.append(chunk)
            return "".join(parts)
        except RecursionError:  # a macro or recursive loop calling itself without end
            raise RenderLimit("模板递归过深，已停止") from None
        finally:
            _budget.reset(token)
