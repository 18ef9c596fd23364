"""The render layer: one module per output format. Renderers format; they decide nothing.

Every command's output is a *view* (`audit`, `tree`, `graph`, …), and every format module
has one function per view it supports, named after the view:

* machine formats take the use case's value and return the document as text:
  `json.tree(result) -> str`;
* `text` draws on a rich console instead: `text.tree(console, result)`; a view whose
  text lives in a module of its own is named in `TEXT_MODULES` (it is imported only when
  that view is printed).

`FORMATS` is the one list of which formats each view has; the CLI's `--format` choices,
the `format` setting and the dispatch in `document()` all come from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Any

#: Each view's formats, the default first.
FORMATS: dict[str, tuple[str, ...]] = {
    "audit": ("text", "concise", "json", "github", "sarif", "junit", "markdown"),
    "statistics": ("text", "json"),
    "diff": ("text", "json", "markdown"),
    "tree": ("text", "json"),
    "trace": ("text", "json"),
    "graph": ("mermaid", "dot", "json"),
    "scorecard": ("text", "json", "markdown"),
    "impact": ("text", "json", "markdown"),
    "explain": ("text", "json", "markdown"),
    "fit": ("text", "json", "markdown"),
    "report": ("html",),
    "rules": ("text", "json", "markdown"),
}


#: audit's --format choices: its formats, and `auto` (GitHub annotations in GitHub
#: Actions, else text); the `format` setting takes the same.
AUDIT_CHOICES = ("auto", *FORMATS["audit"])


#: Views whose text renderer is not in `text`: the evidence views (which load numpy-backed
#: code) and the lineage views.
TEXT_MODULES: dict[str, str] = {
    "explain": "text_evidence",
    "fit": "text_evidence",
    "tree": "text_lineage",
    "trace": "text_lineage",
}


def text_renderer(view: str) -> Any:
    """The function that draws `view` on a rich console."""
    return getattr(import_module(f"revtrace.render.{TEXT_MODULES.get(view, 'text')}"), view)


def formats(view: str) -> tuple[str, ...]:
    return FORMATS[view]


def document(view: str, format_name: str, value: Any) -> str:
    """The `view` of `value` in a machine format, as text. The format module is imported
    only when chosen, so a command loads only what it prints with."""
    if format_name not in FORMATS[view] or format_name == "text":
        raise ValueError(f"no {format_name} document for {view}")
    renderer = getattr(import_module(f"revtrace.render.{format_name}"), view)
    text: str = renderer(value)
    return text


def document_parts(view: str, format_name: str, value: Any) -> Iterator[str]:
    """`document`, in pieces to be written as they come: from the format's
    `<view>_parts` where it has one (documents that grow with the catalog), else whole."""
    if format_name not in FORMATS[view] or format_name == "text":
        raise ValueError(f"no {format_name} document for {view}")
    module = import_module(f"revtrace.render.{format_name}")
    streamed = getattr(module, f"{view}_parts", None)
    if streamed is None:
        yield document(view, format_name, value)
        return
    yield from streamed(value)
