"""The docs cannot drift from the code: the README's rule table and docs/rules.md are what
the rules' own documentation generates. REVTRACE_UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os
import re

from revtrace.render import markdown
from revtrace.rules import ALL_RULES
from tests.conftest import REPO, run_cli

TABLE = re.compile(r"\| code \| name \| severity \| reported when \|\n(?:\|.*\|\n)+")


def test_the_readme_rule_table_is_the_rules_own_summaries() -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    generated = markdown.rule_table(list(ALL_RULES.values()))
    found = TABLE.search(text)
    assert found is not None, "the README has no rule table"
    if os.environ.get("REVTRACE_UPDATE_GOLDEN"):
        readme.write_text(text.replace(found.group(0), generated), encoding="utf-8")
        return
    assert found.group(0) == generated


def test_docs_rules_md_is_generated_from_every_rules_documentation() -> None:
    page = REPO / "docs" / "rules.md"
    generated = markdown.rule_reference(list(ALL_RULES.values()))
    if os.environ.get("REVTRACE_UPDATE_GOLDEN"):
        page.write_text(generated, encoding="utf-8")
    assert page.read_text(encoding="utf-8") == generated
    for rule in ALL_RULES.values():
        assert f"## {rule.code} `{rule.name}`" in generated
        assert "```yaml" in generated.split(f"## {rule.code}")[1], rule.code


def test_revtrace_rules_prints_the_same_table() -> None:
    result = run_cli("rules", "--format", "markdown")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == markdown.rule_table(list(ALL_RULES.values()))
