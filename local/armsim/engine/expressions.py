"""ARM template language expressions: tokenizer, AST, parser and evaluator.

Grammar (what `bicep build` and hand-written templates emit):

    template string := "[" expr "]"          an expression
                     | "[[" ...              a literal string that starts with "["
    expr     := primary ( "." IDENT | "[" expr "]" )*
    primary  := STRING | INTEGER | call
    call     := IDENT ( "." IDENT )? "(" [ expr ( "," expr )* ] ")"
    STRING   := "'" ( any char but "'" | "''" )* "'"

Function names are case-insensitive. Property access on objects is case-insensitive,
as in ARM (JSON property lookups are ordinal-ignore-case there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from local.armsim.engine.errors import EXPRESSIONS_HELP, ExpressionError

# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    """One lexical token of an expression."""

    kind: str  # "str", "int", "ident", or the punctuation itself: ( ) , . [ ]
    text: str
    pos: int


_PUNCTUATION = "(),.[]"


def tokenize(source: str) -> list[Token]:
    """Split the inside of a "[...]" expression into tokens."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch == "'":
            start, i, chars = i, i + 1, []
            while True:
                if i >= n:
                    raise _syntax(source, start, "the string literal is not terminated")
                if source[i] == "'":
                    if i + 1 < n and source[i + 1] == "'":
                        chars.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                chars.append(source[i])
                i += 1
            tokens.append(Token("str", "".join(chars), start))
        elif ch.isdigit() or (ch == "-" and i + 1 < n and source[i + 1].isdigit()):
            start = i
            i += 1
            while i < n and source[i].isdigit():
                i += 1
            if i < n and source[i] == ".":
                raise _syntax(source, i, "floating point numbers are not supported")
            tokens.append(Token("int", source[start:i], start))
        elif ch.isalpha() or ch in "_$":
            start = i
            while i < n and (source[i].isalnum() or source[i] in "_$"):
                i += 1
            tokens.append(Token("ident", source[start:i], start))
        elif ch in _PUNCTUATION:
            tokens.append(Token(ch, ch, i))
            i += 1
        else:
            raise _syntax(source, i, f"the character '{ch}' is not expected")
    return tokens


def _syntax(source: str, pos: int, why: str) -> ExpressionError:
    return ExpressionError(
        f"The language expression '{source}' is not valid: {why} at position '{pos}'. "
        + EXPRESSIONS_HELP
    )


# ---------------------------------------------------------------- AST


@dataclass(frozen=True)
class Literal:
    """A string or integer literal."""

    value: str | int


@dataclass(frozen=True)
class Call:
    """A function call; `name` may be namespaced ("__bicep.myFunc")."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Property:
    """`target.name`."""

    target: Node
    name: str


@dataclass(frozen=True)
class Index:
    """`target[index]`."""

    target: Node
    index: Node


Node = Literal | Call | Property | Index


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise _syntax(
                self.source, len(self.source), f"expected '{kind}' but the expression ended"
            )
        if tok.kind != kind:
            raise _syntax(self.source, tok.pos, f"expected '{kind}' but found '{tok.text}'")
        self.pos += 1
        return tok

    def expression(self) -> Node:
        node = self.primary()
        while (tok := self.peek()) is not None and tok.kind in ".[":
            self.pos += 1
            if tok.kind == ".":
                node = Property(node, self.take("ident").text)
            else:
                node = Index(node, self.expression())
                self.take("]")
        return node

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise _syntax(self.source, len(self.source), "the expression ended unexpectedly")
        self.pos += 1
        if tok.kind == "str":
            return Literal(tok.text)
        if tok.kind == "int":
            return Literal(int(tok.text))
        if tok.kind != "ident":
            raise _syntax(self.source, tok.pos, f"the token '{tok.text}' is not expected")
        name = tok.text
        nxt = self.peek()
        if nxt is not None and nxt.kind == ".":
            # A namespaced user-defined function: ns.name(...)
            self.pos += 1
            name = f"{name}.{self.take('ident').text}"
        self.take("(")
        args: list[Node] = []
        if (nxt := self.peek()) is not None and nxt.kind == ")":
            self.pos += 1
            return Call(name, tuple(args))
        while True:
            args.append(self.expression())
            sep = self.peek()
            if sep is None:
                raise _syntax(
                    self.source, len(self.source), "expected ')' but the expression ended"
                )
            self.pos += 1
            if sep.kind == ")":
                return Call(name, tuple(args))
            if sep.kind != ",":
                raise _syntax(self.source, sep.pos, f"the token '{sep.text}' is not expected")


def parse(source: str) -> Node:
    """Parse the inside of a "[...]" template expression into an AST."""
    parser = _Parser(source)
    node = parser.expression()
    if (tok := parser.peek()) is not None:
        raise _syntax(source, tok.pos, f"the token '{tok.text}' is not expected")
    return node


def is_expression(value: str) -> bool:
    """True if a template string is an expression ("[...]", but not the "[[" escape)."""
    return len(value) >= 2 and value[0] == "[" and value[-1] == "]" and value[1] != "["


def unescape_literal(value: str) -> str:
    """A template string that is not an expression, with a leading "[[" turned into "["."""
    return value[1:] if value.startswith("[[") else value


def quote(text: str) -> str:
    """A string literal for `text` in expression syntax ('' doubles a quote)."""
    return "'" + text.replace("'", "''") + "'"


_PARSE_CACHE: dict[str, Node] = {}


def parse_cached(source: str) -> Node:
    """`parse`, memoised: templates repeat the same expressions across copies."""
    node = _PARSE_CACHE.get(source)
    if node is None:
        node = parse(source)
        if len(_PARSE_CACHE) < 10_000:
            _PARSE_CACHE[source] = node
    return node


# ---------------------------------------------------------------- evaluation


class Context(Protocol):
    """What the evaluator needs from its surroundings (see functions.EvalContext)."""

    def call(self, name: str, args: tuple[Node, ...]) -> Any:
        """Evaluate a function call."""
        ...


@dataclass(frozen=True)
class Lambda:
    """A `lambda('x', 'y', body)` value, callable by map/filter/reduce/sort."""

    params: tuple[str, ...]
    body: Node
    invoke: Callable[[Lambda, list[Any]], Any]

    def __call__(self, *args: Any) -> Any:
        return self.invoke(self, list(args))


def evaluate(node: Node, ctx: Context) -> Any:
    """Evaluate an AST node."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Call):
        return ctx.call(node.name, node.args)
    if isinstance(node, Property):
        return get_property(evaluate(node.target, ctx), node.name)
    index = evaluate(node.index, ctx)
    target = evaluate(node.target, ctx)
    if isinstance(index, str):
        return get_property(target, index)
    return get_index(target, index)


def get_property(target: Any, name: str) -> Any:
    """`target.name` with ARM's case-insensitive lookup and ARM's error wording."""
    if isinstance(target, Mapping):
        if name in target:
            return target[name]
        lowered = name.lower()
        for key, value in target.items():
            if key.lower() == lowered:
                return value
        available = ", ".join(target.keys())
        raise ExpressionError(
            f"The language expression property '{name}' doesn't exist, "
            f"available properties are '{available}'."
        )
    if target is None:
        raise ExpressionError(f"The language expression property '{name}' can't be evaluated.")
    raise ExpressionError(
        f"The language expression property '{name}' can't be evaluated, "
        f"property name must be a string on an object, not a '{type_name(target)}'."
    )


def get_index(target: Any, index: Any) -> Any:
    """`target[index]` for arrays."""
    if not isinstance(target, list):
        raise ExpressionError(
            f"The language expression property array index '{index}' can't be evaluated "
            f"on a '{type_name(target)}'."
        )
    if not isinstance(index, int) or isinstance(index, bool):
        raise ExpressionError(
            f"The language expression array index must be an integer, not '{type_name(index)}'."
        )
    if not 0 <= index < len(target):
        raise ExpressionError(
            f"The language expression property array index '{index}' is out of bounds."
        )
    return target[index]


def type_name(value: Any) -> str:
    """The JToken type name ARM uses in its messages."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, Mapping):
        return "Object"
    if isinstance(value, Lambda):
        return "Lambda"
    return type(value).__name__
