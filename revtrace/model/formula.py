"""`formula:`: a metric as arithmetic over other metrics, and the exact elasticities that
follow from it.

    revenue:     {formula: "orders * average_order_value"}
    net_revenue: {formula: "new_revenue + expansion_revenue - churned_revenue"}
    win_rate:    {formula: "deals / opportunities"}

Grammar (parsed by hand, never `eval`): numbers, metric ids, `+ - * /`, parentheses and
unary minus. An id that is not a plain identifier (letters, digits, `_` and `.`, not
starting with a digit) is written in backticks: `` `paid-search.sessions` ``.

Each id is an input of the metric: an *identity* link, whose elasticity follows from the
formula. For a product or a quotient of inputs (a monomial), it is the input's exponent,
exactly: +1 for a factor, −1 for a divisor (revenue = orders × AOV gives both 1). For any
other expression it is x·(∂f/∂x)/f at the metrics' current `value`s (a sum's parts get
their shares), when every input has one; else the link is unquantified.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Longer formulas are refused: a metric's definition is a line, not a program.
MAX_LENGTH = 2_000
#: Deeper nesting is refused (the parser recurses once per level).
MAX_DEPTH = 50

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<id>[^\W\d][\w.]*)|`(?P<quoted>[^`]*)`|(?P<op>[-+*/()]))"
)


class FormulaError(ValueError):
    """A formula that cannot be read; `column` counts from 1 within the formula."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Node:
    """A number (`value`), a metric (`metric`), or an operation on `operands`."""

    kind: str  # "number", "metric", "neg", "+", "-", "*", "/"
    value: float = 0.0
    metric: str = ""
    operands: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Formula:
    text: str
    root: Node
    #: The metric ids it uses, each once, in order of first use.
    inputs: tuple[str, ...]

    @property
    def is_monomial(self) -> bool:
        """A product or quotient of inputs: its elasticities are exact whatever the values."""
        return _monomial(self.root) is not None

    def elasticities(self, values: Mapping[str, float | None]) -> dict[str, float | None]:
        """Each input's elasticity: exact for a monomial, else share-weighted at the
        current values (None when a value is missing or the formula is 0 there)."""
        exponents = _monomial(self.root)
        if exponents is not None:
            return {metric: float(exponents.get(metric, 0)) for metric in self.inputs}
        known = {m: values.get(m) for m in self.inputs}
        if any(v is None for v in known.values()):
            return dict.fromkeys(self.inputs)
        point = {m: float(v) for m, v in known.items() if v is not None}
        total = _evaluate(self.root, point)
        result: dict[str, float | None] = {}
        for metric in self.inputs:
            slope = _derivative(self.root, metric, point)
            share = None if total in (None, 0.0) or slope is None else point[metric] * slope / total
            result[metric] = share if share is not None and math.isfinite(share) else None
        return result


_PLAIN_ID = re.compile(r"[^\W\d][\w.]*")


def quote_id(metric_id: str) -> str:
    """A metric id as a formula writes it: plain where it reads as one, else in
    backticks (`paid-search.sessions`)."""
    return metric_id if _PLAIN_ID.fullmatch(metric_id) else f"`{metric_id}`"


def parse(text: str) -> Formula:
    """Raises FormulaError, located within the text."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}", 1)
    tokens = _tokens(text)
    parser = _Parser(tokens, len(text))
    root = parser.expression(0)
    if parser.position < len(tokens):
        _, value, column = tokens[parser.position]
        raise FormulaError(f"unexpected '{value}'", column)
    inputs = tuple(dict.fromkeys(_metrics(root)))
    if not inputs:
        raise FormulaError("the formula uses no metric", 1)
    return Formula(text, root, inputs)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            raise FormulaError(f"{text[column - 1]!r} cannot stand in a formula", column)
        kind = match.lastgroup or "op"
        value = match.group(kind)
        if kind == "quoted" and not value:
            raise FormulaError("an empty `` in the formula", match.start(kind))
        tokens.append(
            ("id" if kind == "quoted" else kind, value, match.start(kind) + (kind != "quoted"))
        )
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], length: int) -> None:
        self.tokens = tokens
        self.position = 0
        self.end = length + 1

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula nests deeper than {MAX_DEPTH} levels", 1)
        node = self.term(depth)
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.position += 1
            node = Node(token[1], operands=(node, self.term(depth)))
        return node

    def term(self, depth: int) -> Node:
        node = self.factor(depth)
        while (token := self.peek()) is not None and token[1] in ("*", "/"):
            self.position += 1
            node = Node(token[1], operands=(node, self.factor(depth)))
        return node

    def factor(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise FormulaError("the formula ends where a metric or a number should be", self.end)
        kind, value, column = token
        self.position += 1
        if value in ("-", "+") and kind == "op":
            inner = self.factor(depth + 1)
            return Node("neg", operands=(inner,)) if value == "-" else inner
        if value == "(" and kind == "op":
            inner = self.expression(depth + 1)
            closing = self.peek()
            if closing is None or closing[1] != ")":
                raise FormulaError("a '(' is never closed", column)
            self.position += 1
            return inner
        if kind == "number":
            return Node("number", value=float(value))
        if kind == "id":
            return Node("metric", metric=value)
        raise FormulaError(f"unexpected '{value}'", column)


def _metrics(node: Node) -> list[str]:
    if node.kind == "metric":
        return [node.metric]
    return [m for operand in node.operands for m in _metrics(operand)]


def _monomial(node: Node) -> dict[str, int] | None:
    """The exponents of a product or quotient of metrics and numbers; None otherwise."""
    if node.kind == "metric":
        return {node.metric: 1}
    if node.kind == "number":
        return {}
    if node.kind == "neg":
        return _monomial(node.operands[0])
    if node.kind in ("*", "/"):
        left, right = (_monomial(operand) for operand in node.operands)
        if left is None or right is None:
            return None
        sign = 1 if node.kind == "*" else -1
        merged = dict(left)
        for metric, exponent in right.items():
            merged[metric] = merged.get(metric, 0) + sign * exponent
        return merged
    return None


def _evaluate(node: Node, point: Mapping[str, float]) -> float | None:
    if node.kind == "number":
        return node.value
    if node.kind == "metric":
        return point[node.metric]
    values = [_evaluate(operand, point) for operand in node.operands]
    if any(v is None for v in values):
        return None
    a = values[0] or 0.0
    if node.kind == "neg":
        return -a
    b = values[1] or 0.0
    if node.kind == "+":
        return a + b
    if node.kind == "-":
        return a - b
    if node.kind == "*":
        return a * b
    return None if b == 0.0 else a / b


def _derivative(node: Node, metric: str, point: Mapping[str, float]) -> float | None:
    """∂node/∂metric at `point`."""
    if node.kind == "number":
        return 0.0
    if node.kind == "metric":
        return 1.0 if node.metric == metric else 0.0
    if node.kind == "neg":
        inner = _derivative(node.operands[0], metric, point)
        return None if inner is None else -inner
    left, right = node.operands
    da, db = _derivative(left, metric, point), _derivative(right, metric, point)
    if da is None or db is None:
        return None
    if node.kind == "+":
        return da + db
    if node.kind == "-":
        return da - db
    a, b = _evaluate(left, point), _evaluate(right, point)
    if a is None or b is None:
        return None
    if node.kind == "*":
        return da * b + a * db
    return None if b == 0.0 else (da * b - a * db) / (b * b)
