"""`revtrace diff` and `audit --since`: which change cut which path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.analysis import analyse_sources
from revtrace.analysis.diff import compare
from tests.catalogs import Spec, specs, writings
from tests.conftest import run_cli

Write = Callable[..., Path]
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}

BEFORE = """\
version: 1
metrics:
  conversions: {revenue: true, owner: cfo}
  bounce_rate: {owner: web, drives: [conversions]}
  pages_per_session: {owner: web, drives: [bounce_rate]}
  sessions: {owner: web, drives: [conversions]}
  old_metric: {owner: x, drives: [conversions]}
"""

AFTER = """\
version: 1
metrics:
  conversions: {revenue: true, owner: cfo}
  bounce_rate: {owner: web}
  pages_per_session: {owner: web, drives: [bounce_rate]}
  sessions: {owner: web, drives: [conversions, signups]}
  signups: {owner: growth, drives: [conversions]}
  vanity: {owner: social}
"""


def test_diff_names_the_cut_link(write_catalog: Write) -> None:
    old, new = write_catalog(BEFORE, name="old.yaml"), write_catalog(AFTER, name="new.yaml")
    result = run_cli("diff", str(old), str(new), env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert (
        "removing bounce_rate → conversions cut every path to revenue of"
        " bounce_rate, pages_per_session" in result.stdout
    )
    assert "vanity was added without a path to revenue" in result.stdout
    document = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert document["lost_path"] == [
        {
            "metrics": ["bounce_rate", "pages_per_session"],
            "causes": ["removing bounce_rate → conversions"],
        }
    ]
    assert document["metrics_added"] == ["signups", "vanity"]
    assert document["metrics_removed"] == ["old_metric"]
    assert document["added_without_path"] == ["vanity"]
    assert document["links_removed"] == [
        ["bounce_rate", "conversions"],
        ["old_metric", "conversions"],
    ]
    assert ["sessions", "signups"] in document["links_added"]
    assert sorted(f["metric"] for f in document["new_findings"]) == [
        "bounce_rate",
        "pages_per_session",
        "vanity",
    ]
    markdown = run_cli("diff", str(old), str(new), "--format", "markdown").stdout
    assert "removing bounce_rate → conversions cut every path" in markdown


@pytest.mark.parametrize(
    ("drives", "cause"),
    [
        (
            "[conversion, signups]",
            "turning sessions → conversions into sessions → conversion (not a defined metric)",
        ),
        # Taken away, it is a removal: 'signups' is defined, no typo of anything.
        ("[signups]", "removing sessions → conversions"),
    ],
)
def test_a_link_turned_into_a_typo_is_named_as_such(
    drives: str, cause: str, write_catalog: Write
) -> None:
    """`drives: [conversions]` edited into `drives: [conversion]`: diff said "removing
    sessions → conversions", and sent the reader looking for a removal."""
    old = write_catalog(BEFORE, name="old.yaml")
    edited = BEFORE.replace("drives: [conversions]}\n  old_", f"drives: {drives}}}\n  old_")
    assert edited != BEFORE
    new = write_catalog(edited + "  signups: {owner: growth}\n", name="new.yaml")
    document = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert document["lost_path"] == [{"metrics": ["sessions"], "causes": [cause]}]


def test_removing_a_metric_or_a_revenue_mark_is_named(write_catalog: Write) -> None:
    old = write_catalog(BEFORE, name="old.yaml")
    new = write_catalog(
        BEFORE.replace("  sessions: {owner: web, drives: [conversions]}\n", "").replace(
            "bounce_rate: {owner: web, drives: [conversions]}",
            "bounce_rate: {owner: web, drives: [sessions]}",
        ),
        name="new.yaml",
    )
    old2 = write_catalog(
        BEFORE.replace("drives: [conversions]}\n  pages", "drives: [sessions]}\n  pages"),
        name="old2.yaml",
    )
    document = json.loads(run_cli("diff", str(old2), str(new), "--format", "json").stdout)
    assert {
        "metrics": ["bounce_rate", "pages_per_session"],
        "causes": ["removing metric sessions"],
    } in document["lost_path"]
    unmarked = write_catalog(
        BEFORE.replace(
            "conversions: {revenue: true, owner: cfo}",
            "conversions: {owner: cfo}\n  money: {revenue: true, owner: x}",
        ),
        name="unmarked.yaml",
    )
    document = json.loads(run_cli("diff", str(old), str(unmarked), "--format", "json").stdout)
    assert document["lost_path"][0]["causes"] == ["unmarking revenue metric conversions"]
    # The revenue metric removed outright: named once ("removing metric conversions and
    # removing revenue metric conversions" before).
    removed = write_catalog(
        BEFORE.replace(
            "  conversions: {revenue: true, owner: cfo}\n", "  money: {revenue: true}\n"
        ),
        name="removed.yaml",
    )
    document = json.loads(run_cli("diff", str(old), str(removed), "--format", "json").stdout)
    assert document["lost_path"][0]["causes"] == ["removing revenue metric conversions"]


def test_an_unchanged_catalog_diffs_clean(write_catalog: Write) -> None:
    old, new = write_catalog(BEFORE, name="old.yaml"), write_catalog(BEFORE, name="new.yaml")
    result = run_cli("diff", str(old), str(new), env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert (
        "No metric or link changed" in result.stdout
        and "The change adds 0 findings" in result.stdout
    )


def test_diff_of_directories(tmp_path: Path) -> None:
    for side, text in (("a", BEFORE), ("b", AFTER)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "metrics.yaml").write_text(text, encoding="utf-8")
    result = run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["metrics_removed"] == ["old_metric"]


def test_diff_of_a_missing_side_is_exit_2(write_catalog: Write, tmp_path: Path) -> None:
    result = run_cli("diff", str(tmp_path / "nope.yaml"), str(write_catalog(AFTER)))
    assert result.exit_code == 2


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metrics.yaml").write_text(BEFORE, encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "before")
    (tmp_path / "metrics.yaml").write_text(AFTER, encoding="utf-8")
    return tmp_path


def test_audit_since_reports_only_new_findings_and_the_cut(repo: Path) -> None:
    result = run_cli("audit", "--since", "HEAD", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["since"] == "HEAD"
    assert sorted(f["metric"] for f in document["findings"]) == [
        "bounce_rate",
        "pages_per_session",
        "vanity",
    ]
    assert document["change"]["lost_path"][0]["causes"] == ["removing bounce_rate → conversions"]
    text = run_cli("audit", "--since", "HEAD", env={"COLUMNS": "200"})
    assert "Changes since HEAD" in text.stdout
    assert (
        "removing bounce_rate → conversions cut every path to revenue of bounce_rate" in text.stdout
    )


def test_audit_since_follows_a_catalog_git_sees_renamed(repo: Path) -> None:
    # Moved into a folder and edited (staged, not committed): the metrics it held at the
    # revision were not added by the change, so only the change's findings are new.
    (repo / "catalog").mkdir()
    subprocess.run(["git", "mv", "metrics.yaml", "catalog/main.yaml"], check=True)
    for argument in ("catalog/main.yaml", "catalog"):
        result = run_cli("audit", argument, "--since", "HEAD", "--format", "json")
        assert result.exit_code == 1 and result.stderr == ""
        document = json.loads(result.stdout)
        assert sorted(f["metric"] for f in document["findings"]) == [
            "bounce_rate",
            "pages_per_session",
            "vanity",
        ]
        assert document["change"]["metrics_added"] == ["signups", "vanity"]


def test_audit_since_says_when_no_file_of_the_catalog_existed_then(repo: Path) -> None:
    # A copy git does not know: every metric counts as added, and the run says why.
    (repo / "copy.yaml").write_text(AFTER, encoding="utf-8")
    result = run_cli("audit", "copy.yaml", "--since", "HEAD", "--format", "json")
    assert result.exit_code == 1
    assert "none of the catalog's files existed at HEAD" in result.stderr
    assert "every metric counts as added" in result.stderr
    assert len(json.loads(result.stdout)["change"]["metrics_added"]) > 1


def test_audit_since_an_unchanged_catalog_exits_0(repo: Path) -> None:
    (repo / "metrics.yaml").write_text(BEFORE, encoding="utf-8")
    result = run_cli("audit", "--since", "HEAD")
    assert result.exit_code == 0


def test_audit_since_an_unknown_revision_is_exit_2(repo: Path) -> None:
    result = run_cli("audit", "--since", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr.strip() == "revtrace: error: unknown git revision 'no-such-branch'"
    dash = run_cli("audit", "--since", "--output=x")
    assert dash.exit_code == 2


def test_audit_since_outside_a_repository_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "metrics.yaml").write_text(BEFORE, encoding="utf-8")
    result = run_cli("audit", "--since", "HEAD")
    assert result.exit_code == 2 and "not inside" in result.stderr


def test_audit_since_counts_the_findings_it_does_not_show(repo: Path) -> None:
    """A metric without a path at the revision, unchanged: --since does not report it
    again, but "No findings." alone read as a clean catalog; and in Markdown (the pull
    request comment) it said "Every metric traces to revenue"."""
    old = BEFORE + "  legacy: {owner: x}\n"
    (repo / "metrics.yaml").write_text(old, encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "legacy", "--no-verify"], check=True, env=GIT_ENV)
    text = run_cli("audit", "--since", "HEAD", env={"COLUMNS": "200"})
    assert text.exit_code == 0
    said = "1 finding was there already at HEAD: not shown, as only new findings are"
    assert said in text.stdout and "No findings." in text.stdout
    markdown = run_cli("audit", "--since", "HEAD", "--format", "markdown").stdout
    assert said in markdown and "Every metric traces" not in markdown
    unlisted = (
        "1 metric without a path to revenue is not listed as a candidate to drop: its RT001"
        " (no-path-to-revenue) finding was there already at HEAD."
    )
    assert unlisted in " ".join(text.stdout.split()) and unlisted in markdown
    assert (
        json.loads(run_cli("audit", "--since", "HEAD", "--format", "json").stdout)["not_new"] == 1
    )
    # A change that adds a finding: the old one is still counted apart, the new listed.
    (repo / "metrics.yaml").write_text(old + "  vanity: {owner: y}\n", encoding="utf-8")
    document = json.loads(run_cli("audit", "--since", "HEAD", "--format", "json").stdout)
    assert [f["metric"] for f in document["findings"]] == ["vanity"]
    assert document["not_new"] == 1


def test_a_catalog_with_errors_never_gets_a_tick_even_when_none_is_new(repo: Path) -> None:
    broken = BEFORE + "  legacy: {owner: x, drives: [nowhere]}\n"
    (repo / "metrics.yaml").write_text(broken, encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "broken", "--no-verify"], check=True, env=GIT_ENV)
    markdown = run_cli("audit", "--since", "HEAD", "--format", "markdown")
    assert markdown.exit_code == 0  # nothing new: the gate passes, as a baseline's does
    assert markdown.stdout.startswith("### ⚠️ revtrace audit")
    assert "**The catalog has errors**" in markdown.stdout


@settings(max_examples=200, deadline=None)
@given(spec=specs(), data=st.data())
def test_every_lost_path_is_named_with_what_the_change_removed(
    spec: Spec, data: st.DataObject
) -> None:
    """A change that removes links, metrics or revenue marks at random: the metrics the
    diff says lost their path are exactly those that reached revenue and no longer do
    (still defined), and each is given a cause: a removal the change made, never an empty
    "lost its path" a reviewer cannot act on."""
    links = data.draw(st.lists(st.sampled_from(spec.links), unique=True)) if spec.links else []
    gone = set(data.draw(st.lists(st.sampled_from([m for m, _ in spec.metrics]), max_size=2)))
    unmark = data.draw(st.booleans())
    after = Spec(
        tuple(
            (m, tuple(f for f in fields if not (unmark and f == "revenue: true")))
            for m, fields in spec.metrics
            if m not in gone
        ),
        tuple(link for link in spec.links if link not in links and link[0] not in gone),
    )
    old = analyse_sources(writings(spec, 0)["short"])
    new = analyse_sources(writings(after, 0)["short"])
    change = compare(old, new)
    lost = [m for group in change.lost_paths for m in group.metrics]
    assert sorted(lost) == sorted(
        m for m in new.catalog.metrics if m in old.graph.distance and m not in new.graph.distance
    )
    removed = {f"removing {s} → {t}" for s, t in change.links_removed}
    for group in change.lost_paths:
        assert group.causes, group.metrics
        for cause in group.causes:
            assert (
                cause in removed
                or cause.startswith(("removing metric ", "removing revenue metric "))
                or cause.startswith(("unmarking revenue metric ", "turning "))
            ), cause
