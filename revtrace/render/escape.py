"""Escaping catalog strings for every output language, in one place.

Every string that comes from a catalog (ids, names, owners, notes, messages that quote
them) is data. Each function here makes it safe to print in one language, so that a
metric called `[bold]x`, `<script>`, `::error::`, `a | b` or `end` shows as itself.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def visible(text: str) -> str:
    """Control and format characters (ANSI escapes, CR, bidi overrides) as `\\x1b`-style
    escapes: for terminals, logs and any format a person reads."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch == " " or unicodedata.category(ch) not in _INVISIBLE
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )


def github_data(text: str) -> str:
    """The message part of a GitHub workflow command."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(text: str) -> str:
    """A property value (file, title) of a GitHub workflow command."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


@functools.cache
def _xml_invalid() -> re.Pattern[str]:
    # XML 1.0 allows tab, LF, CR and these ranges; nothing else can appear, even escaped.
    # Compiled on first use: the pattern takes ~20 ms to build, felt at every start-up.
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Control, format and bidi characters, and those XML 1.0 cannot carry, as visible
    escapes (ElementTree escapes the rest): a JUnit report is read by people too."""
    return _xml_invalid().sub(lambda m: f"\\u{ord(m.group()):04x}", visible(text))


def sarif_text(text: str) -> str:
    """SARIF `message.text`: visible characters, and brackets escaped so that a name like
    `[click](https://…)` is never a live link where the text is rendered as Markdown."""
    return re.sub(r"([\[\]])", r"\\\1", visible(text))


def markdown_cell(text: str) -> str:
    """Text for a Markdown table cell: no markup, pipes and newlines neutralised."""
    flat = visible(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    escaped = html.escape(flat, quote=False)
    escaped = re.sub(r"([\\`*\[\]|~])", r"\\\1", escaped)
    # An underscore inside a word (page_views) is never emphasis in GitHub Markdown.
    escaped = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", escaped)
    # A pull-request comment must not ping people (@org/team) or make links of its own
    # (https://…, www.…): a word joiner after `@` and in the scheme keeps them plain text.
    escaped = escaped.replace("@", "@\u2060")
    return re.sub(r"(?i)\b(https?|ftp|www)(:|\.)", "\\1\u2060\\2", escaped)


def markdown_text(text: str) -> str:
    """Inline Markdown text outside tables."""
    return markdown_cell(text)


def mermaid_label(text: str) -> str:
    """A Mermaid node label, to be written inside double quotes."""
    # Mermaid reads entity codes inside quoted labels: #quot; and friends.
    out = visible(text)
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        out = out.replace(char, code)
    return out.replace("`", "#96;")


def html_text(text: str) -> str:
    return html.escape(visible(text), quote=True)


def dot_string(text: str) -> str:
    """A Graphviz DOT double-quoted string, quotes included. `&` is written `&amp;`:
    Graphviz decodes entities in labels, so `&#x202E;` would become a real bidi override
    and `&lt;` a `<`."""
    escaped = visible(text).replace("&", "&amp;")
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'
