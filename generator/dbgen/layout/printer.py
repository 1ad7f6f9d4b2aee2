"""The layout helpers the templates call: one ``Printer`` per generated file.

Templates write the fixed lines of a file in black's layout (at the default line length of 100)
and hand every line whose length depends on names or values to these helpers, which lay it out
the way black would at the configured line length (statement.py does the splitting). Nothing
formats the output afterwards: black is the tests' oracle, not a step of the build.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dbgen.layout.statement import INDENT, Unsupported, item, layout


class Printer:
    """The layout of one generated file's composed lines, at one line length.

    ``exact`` stays True while every line is laid out as black would at ``line_length``; a
    statement outside statement.py's subset is left as one flat (valid) line and clears it.
    """

    def __init__(self, line_length: int) -> None:
        self.line_length = line_length
        self.exact = True

    def _checked(self, text: str, depth: int) -> str:
        # statement.py leaves a line it cannot split as it is, where black might still wrap it in
        # parentheses (a long annotation, say): a line left too long is not black's layout.
        if len(INDENT) * depth + len(text.split("\n", 1)[0]) > self.line_length or any(
            len(line) > self.line_length for line in text.split("\n")[1:]
        ):
            self.exact = False
        return text

    def lay(self, source: str, depth: int) -> str:
        try:
            return layout(source, depth, self.line_length)
        except Unsupported:
            self.exact = False
            return source

    def field(self, source: str, depth: int) -> str:
        """An annotated class attribute (a schema field): black may wrap a long annotation."""
        return self._checked(self.lay(source, depth), depth)

    def item(self, source: str, depth: int) -> str:
        try:
            return item(source, depth, self.line_length)
        except Unsupported:
            self.exact = False
            return source + ","

    def sig(self, head: str, params: Sequence[str], returns: str, depth: int) -> str:
        """``def`` with its parameters on one line if it fits, else one per line with a trailing
        comma (black keeps that exploded: the "magic trailing comma")."""
        one = f"{head}({', '.join(params)}) -> {returns}:"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        inner = INDENT * (depth + 1)
        return "\n".join(
            [
                f"{head}(",
                *(inner + self.item(p, depth + 1) for p in params),
                INDENT * depth + f") -> {returns}:",
            ]
        )

    def assign(self, target: str, value: str, depth: int) -> str:
        """``target = value`` for a flat value; black wraps a value whose line does not fit in
        parentheses of its own when ``target = value(`` would not fit either."""
        one = f"{target} = {value}"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        head = f"{target} = {value[: value.index('(') + 1]}" if "(" in value else one
        if (
            len(INDENT) * depth + len(head) > self.line_length
            and len(INDENT) * (depth + 1) + len(value) <= self.line_length
        ):
            return f"{target} = (\n{INDENT * (depth + 1)}{value}\n{INDENT * depth})"
        return self.lay(one, depth)

    def annotate(self, name: str, annotation: str, depth: int) -> str:
        """``name: annotation``; black puts an annotation that does not fit in parentheses."""
        one = f"{name}: {annotation}"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        if (
            len(INDENT) * (depth + 1) + len(annotation) > self.line_length
            or not annotation.isidentifier()
        ):
            self.exact = False
        return f"{name}: (\n{INDENT * (depth + 1)}{annotation}\n{INDENT * depth})"

    def class_head(self, name: str, base: str) -> str:
        """``class name(base):``; black moves a base that does not fit onto its own line."""
        one = f"class {name}({base}):"
        if len(one) <= self.line_length:
            return one
        if len(INDENT) + len(base) > self.line_length:
            self.exact = False  # black would split inside the base's subscript
        return f"class {name}(\n{INDENT}{base}\n):"

    def literal(self, alias: str, members: Sequence[str]) -> str:
        """``Alias = Literal[...]``: one line, or one member per line with a trailing comma."""
        one = f"{alias} = Literal[{', '.join(members)}]"
        if len(one) <= self.line_length:
            return one
        if len(members) < 2:
            self.exact = False  # a one-element subscript's trailing comma is not magic
            return one
        return "\n".join([f"{alias} = Literal[", *(f"{INDENT}{m}," for m in members), "]"])

    def context(self) -> dict[str, Callable[..., str]]:
        """The helpers by the names the templates call them."""
        return {
            "lay": self.lay,
            "item": self.item,
            "sig": self.sig,
            "literal": self.literal,
            "class_head": self.class_head,
            "assign": self.assign,
            "annotate": self.annotate,
            "field": self.field,
        }
