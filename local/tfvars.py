"""Reads a stage's `envs/<stage>.tfvars` without Terraform.

A tfvars file holds literal values only (no variables, no function calls),
so a small parser of HCL's literal syntax is enough: strings (with
escapes and heredocs), numbers, booleans, null, lists and objects, with
`#`, `//` and `/* */` comments. Anything else is refused with the line it
is on, rather than guessed at. Interpolations (`${...}`) stay as text.
"""

import json
import re
from pathlib import Path

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class TfvarsError(ValueError):
    """The file is not a tfvars file this parser understands."""


def load(path: Path) -> dict:
    """Return the variables in the tfvars file at `path`; raise TfvarsError if malformed."""
    return parse(Path(path).read_text(encoding="utf-8"), str(path))


def dump(values: dict) -> str:
    """Return `values` as tfvars text: JSON values are valid HCL literals."""
    return "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())


def parse(text: str, name: str = "<tfvars>") -> dict:
    """Return the variables assigned in `text` as plain Python values."""
    parser = _Parser(text, name)
    result = {}
    while True:
        parser.skip(newlines=True)
        if parser.at_end():
            return result
        key = parser.key()
        parser.skip()
        parser.expect("=")
        result[key] = parser.value()
        parser.end_of_entry(closing=None)


class _Parser:
    def __init__(self, text: str, name: str):
        self.text, self.name, self.pos = text, name, 0

    def fail(self, message: str):
        line = self.text.count("\n", 0, self.pos) + 1
        raise TfvarsError(f"{self.name}:{line}: {message}")

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, *, newlines: bool = False) -> None:
        """Skip blanks and comments (and newlines when asked)."""
        while not self.at_end():
            ch = self.peek()
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.pos += 1
            elif ch == "#" or self.text.startswith("//", self.pos):
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif self.text.startswith("/*", self.pos):
                end = self.text.find("*/", self.pos)
                if end < 0:
                    self.fail("unterminated /* comment")
                self.pos = end + 2
            else:
                return

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            self.fail(f"expected {token!r}, found {self.peek()!r}")
        self.pos += len(token)

    def key(self) -> str:
        if self.peek() == '"':
            return self.string()
        found = _IDENT.match(self.text, self.pos)
        if not found:
            self.fail(f"expected a name, found {self.peek()!r}")
        self.pos = found.end()
        return found.group()

    def end_of_entry(self, closing: str | None) -> None:
        """After a value: a comma, a newline, or the closing bracket must follow."""
        self.skip()
        ch = self.peek()
        if ch in (",", "\n"):
            self.pos += 1
        elif not (ch == closing or (closing is None and self.at_end())):
            self.fail(f"unexpected {ch!r} after a value")

    def value(self):
        self.skip(newlines=True)
        ch = self.peek()
        if ch == '"':
            return self.string()
        if ch == "[":
            return self.sequence()
        if ch == "{":
            return self.mapping()
        if self.text.startswith("<<", self.pos):
            return self.heredoc()
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return json.loads(number.group())
        word = _IDENT.match(self.text, self.pos)
        if word and word.group() in ("true", "false", "null"):
            self.pos = word.end()
            return {"true": True, "false": False, "null": None}[word.group()]
        self.fail(f"expected a literal value, found {ch!r} (tfvars hold literals only)")

    def string(self) -> str:
        self.expect('"')
        out = []
        while True:
            if self.at_end() or self.peek() == "\n":
                self.fail("unterminated string")
            ch = self.peek()
            self.pos += 1
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                escaped = self.peek()
                if escaped == "u":
                    out.append(chr(int(self.text[self.pos + 1 : self.pos + 5], 16)))
                    self.pos += 5
                    continue
                if escaped not in _ESCAPES:
                    self.fail(f"unknown escape \\{escaped}")
                out.append(_ESCAPES[escaped])
                self.pos += 1
            else:
                out.append(ch)

    def heredoc(self) -> str:
        found = _HEREDOC.match(self.text, self.pos)
        if not found:
            self.fail("malformed heredoc")
        indented, marker = found.group(1) == "-", found.group(2)
        lines, pos = [], found.end()
        while True:
            end = self.text.find("\n", pos)
            line = self.text[pos:] if end < 0 else self.text[pos:end]
            if line.strip() == marker:
                self.pos = len(self.text) if end < 0 else end
                break
            if end < 0:
                self.fail(f"heredoc {marker} is not closed")
            lines.append(line)
            pos = end + 1
        if indented and lines:
            margin = min(len(x) - len(x.lstrip()) for x in lines if x.strip()) if any(lines) else 0
            lines = [x[margin:] for x in lines]
        return "\n".join(lines) + "\n"

    def sequence(self) -> list:
        self.expect("[")
        items = []
        while True:
            self.skip(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return items
            items.append(self.value())
            self.end_of_entry(closing="]")

    def mapping(self) -> dict:
        self.expect("{")
        entries = {}
        while True:
            self.skip(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return entries
            key = self.key()
            self.skip()
            if self.peek() not in ("=", ":"):
                self.fail(f"expected '=' after {key!r}")
            self.pos += 1
            entries[key] = self.value()
            self.end_of_entry(closing="}")
