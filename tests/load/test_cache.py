"""The cache of each file's reading: never a different answer, whatever is in the folder."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.generate import Spec, generate
from revtrace import __version__
from revtrace.analysis import analyse_loaded, audit
from revtrace.load import LoadResult, load_sources
from revtrace.load.cache import KIND, FileCache, FileReading, decode, encode
from revtrace.load.store import Store, code_version
from revtrace.model.catalog import Keep, Link, Location, Metric
from revtrace.render import document
from tests.conftest import build_policy, metric_with_every_field

REPO = Path(__file__).resolve().parents[2]

#: Files with something to say: a YAML error, a duplicate across files, top-level links,
#: a keep, a formula, computed_from, an unknown key.
AWKWARD = [
    (
        "a.yaml",
        b"version: 1\nmetrics:\n  revenue: {revenue: true, owner: x, value: 100}\n"
        b"  deals: {owner: x, drives: [{to: revenue, elasticity: 1.0, confidence: measured}]}\n"
        b"  vanity: {owner: x, keep: {reason: board asks, until: 2027-01-01, by: cfo}}\n"
        b"  profit: {owner: x, formula: revenue - costs}\n"
        b"  costs: {owner: x, colour: blue}\n",
    ),
    (
        "b.yaml",
        b"version: 1\nmetrics:\n  deals: {owner: y}\n"
        b"  growth: {owner: y, computed_from: [revenue]}\n"
        b"links:\n  - {from: costs, to: profit, note: shown twice}\n",
    ),
    ("broken.yaml", b"version: 1\nmetrics:\n  x: [unclosed\n"),
    ("latin1.yaml", b"version: 1\nmetrics:\n  caf\xe9: {owner: x}\n"),
]


def generated(files: int = 3, metrics: int = 400) -> list[tuple[str, bytes]]:
    spec = Spec(metrics=metrics, files=files, quantified=True)
    return [(name, text.encode("utf-8")) for name, text in generate(spec)]


def cache_in(folder: Path, version: str = "0.1.0") -> FileCache:
    return FileCache(Store(str(folder / "cache"), version=version))


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "cache" / KIND).iterdir())


@pytest.mark.parametrize(
    "sources", [AWKWARD, generated(), generated(files=1)], ids=["awkward", "files", "one-file"]
)
def test_cold_and_warm_read_the_same_as_no_cache(
    tmp_path: Path, sources: list[tuple[str, bytes]]
) -> None:
    reference = load_sources(sources)
    cold = cache_in(tmp_path)
    assert load_sources(sources, cache=cold) == reference
    assert cold.written == len(sources)
    warm = cache_in(tmp_path)
    assert load_sources(sources, cache=warm) == reference
    assert warm.written == 0  # every file came from the cache


def test_only_the_edited_file_is_read_again(tmp_path: Path) -> None:
    sources = generated(files=4)
    load_sources(sources, cache=cache_in(tmp_path))
    name, data = sources[2]
    # The same size, one letter of one id changed: what an editor's in-place save does.
    edited = data.replace(b"sessions", b"sessionz", 1)
    assert len(edited) == len(data) and edited != data
    changed = [*sources[:2], (name, edited), *sources[3:]]
    again = cache_in(tmp_path)
    assert load_sources(changed, cache=again) == load_sources(changed)
    assert again.written == 1


def test_the_name_is_part_of_the_key(tmp_path: Path) -> None:
    (name, data), *_ = AWKWARD
    load_sources([(name, data)], cache=cache_in(tmp_path))
    renamed = load_sources([("elsewhere/a.yaml", data)], cache=cache_in(tmp_path))
    assert renamed == load_sources([("elsewhere/a.yaml", data)])
    assert {m.location.file for m in renamed.catalog.metrics.values()} == {"elsewhere/a.yaml"}


def test_another_revtrace_version_does_not_read_the_entries(tmp_path: Path) -> None:
    sources = AWKWARD[:2]
    load_sources(sources, cache=cache_in(tmp_path, version="0.1.0"))
    newer = cache_in(tmp_path, version="0.2.0")
    assert load_sources(sources, cache=newer) == load_sources(sources)
    assert newer.written == 2
    assert len(entries(tmp_path)) == 4  # both versions' entries, side by side


def corruptions(header: bytes, payload: bytes) -> dict[str, bytes]:
    fields = json.loads(header)
    future = json.dumps({**fields, "format": 99}).encode()
    other_python = json.dumps({**fields, "python": "2.7.18"}).encode()
    flipped = bytearray(payload)
    flipped[len(flipped) // 2] ^= 0x01
    return {
        "empty": b"",
        "truncated": header + b"\n" + payload[: len(payload) // 2],
        "one bit flipped": header + b"\n" + bytes(flipped),
        "no header": payload,
        "header not JSON": b"{not json\n" + payload,
        "header a list": b"[1, 2]\n" + payload,
        "future format": future + b"\n" + payload,
        "another Python": other_python + b"\n" + payload,
        "binary": bytes(range(256)) * 10,
    }


def test_a_corrupt_entry_is_ignored_and_written_again(tmp_path: Path) -> None:
    sources = AWKWARD[:1]
    reference = load_sources(sources)
    load_sources(sources, cache=cache_in(tmp_path))
    (entry,) = entries(tmp_path)
    header, _, payload = entry.read_bytes().partition(b"\n")
    for label, damaged in corruptions(header, payload).items():
        entry.write_bytes(damaged)
        cache = cache_in(tmp_path)
        assert load_sources(sources, cache=cache) == reference, label
        assert cache.written == 1, label
        assert entry.read_bytes() == header + b"\n" + payload, label


def test_an_entry_under_another_files_key_is_not_trusted(tmp_path: Path) -> None:
    first, second = AWKWARD[0], AWKWARD[1]
    load_sources([first], cache=cache_in(tmp_path))
    load_sources([second], cache=cache_in(tmp_path))
    a, b = entries(tmp_path)
    a_bytes = a.read_bytes()
    a.write_bytes(b.read_bytes())  # b's entry, under a's name
    b.write_bytes(a_bytes)
    assert load_sources([first], cache=cache_in(tmp_path)) == load_sources([first])
    assert load_sources([second], cache=cache_in(tmp_path)) == load_sources([second])


def valid_entry(tmp_path: Path) -> tuple[list[tuple[str, bytes]], Store, str, object]:
    sources = AWKWARD[:1]
    store = Store(str(tmp_path / "cache"))
    load_sources(sources, cache=FileCache(store))
    (entry,) = entries(tmp_path)
    key = entry.name
    _, payload = store.read(KIND, key) or ({}, b"")
    return sources, store, key, json.loads(payload)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def replace_somewhere(plain: object, path: list[int], value: object) -> object:
    """`plain` with the node that `path` leads to (choices modulo each node's size)
    replaced by `value`."""
    if not path or not isinstance(plain, (list, dict)) or not plain:
        return value
    if isinstance(plain, list):
        index = path[0] % len(plain)
        return [
            replace_somewhere(item, path[1:], value) if i == index else item
            for i, item in enumerate(plain)
        ]
    keys = sorted(plain)
    chosen = keys[path[0] % len(keys)]
    return {
        k: replace_somewhere(v, path[1:], value) if k == chosen else v for k, v in plain.items()
    }


@given(path=st.lists(st.integers(min_value=0, max_value=50), max_size=6), value=JSON)
def test_a_crafted_entry_never_crashes_a_run(
    tmp_path_factory: pytest.TempPathFactory, path: list[int], value: object
) -> None:
    """An entry with a valid header holding anything at all: the run goes on (the entry is
    data, checked like a catalog), and a value of the wrong kind is a miss."""
    tmp_path = tmp_path_factory.mktemp("crafted")
    sources, store, key, plain = valid_entry(tmp_path)
    crafted = replace_somewhere(plain, path, value)
    store.write(KIND, key, json.dumps(crafted).encode())
    loaded = load_sources(sources, cache=FileCache(store))
    assert isinstance(loaded, LoadResult)
    report = audit(analyse_loaded(loaded), build_policy())
    json.loads(document("audit", "json", report))


def every_field() -> list[Metric]:
    """Metrics with every field set, none set, and links of their own in between: the
    columns of an entry must stay aligned, metric by metric and link by link."""
    full = metric_with_every_field()
    bare = Metric("x", Location("c.yaml", 20, 3), "x")
    between = Metric(
        "n",
        Location("c.yaml", 30, 3),
        "N",
        drives=(Link("n", "m", Location("c.yaml", 31, 12), elasticity=2.0),),
        keep=Keep(Location("c.yaml", 32, 5)),
        formula="m + 1",
    )
    # Links hold their metric's id: in `drives` as the source, in `computed_from` as the target.
    derived = tuple(link._replace(target="z") for link in full.computed_from)
    no_links = full._replace(id="z", drives=(), computed_from=derived)
    return [bare, full, bare._replace(id="y"), between, no_links]


def test_an_entry_holds_every_field_of_every_metric() -> None:
    metrics = every_field()
    reading = FileReading(True, metrics, [], [])
    plain = json.loads(json.dumps(encode(reading)))
    assert decode("c.yaml", plain) == reading
    assert decode("c.yaml", json.loads(json.dumps(encode(FileReading(True, [], [], []))))) == (
        FileReading(True, [], [], [])
    )


#: What `damage` returns to take a column out of the entry.
MISSING = object()


def damage(plain: Any, column: str, change: Callable[[list[Any]], object]) -> object:
    """`plain` with one column of its metrics changed (or taken out)."""
    columns = dict(plain["metrics"])
    changed = change(list(columns[column]))
    if changed is MISSING:
        del columns[column]
    else:
        columns[column] = changed
    return {**plain, "metrics": columns}


#: Entries that hold values of the right JSON kinds but not what `encode` writes (on the
#: entry of AWKWARD's first file): each is a miss, the file read again.
DAMAGED: dict[str, tuple[str, Callable[[list[Any]], object]]] = {
    "a column one short": ("name", lambda v: v[:-1]),
    "a column one long": ("owner", lambda v: [*v, "o"]),
    "a column missing": ("unit", lambda v: MISSING),
    "a link more than the links": ("drives", lambda v: [v[0] + 1, *v[1:]]),
    "a negative count": ("drives", lambda v: [-1, v[1] + 1, *v[2:]]),
    "a line of 0": ("line", lambda v: [0, *v[1:]]),
    "a column of true": ("target_column", lambda v: [True, *v[1:]]),
    "an integer value": ("value", lambda v: [1, *v[1:]]),
    "a NaN elasticity": ("elasticity", lambda v: [math.nan, *v[1:]]),
    "a status not a choice": ("status", lambda v: ["retired", *v[1:]]),
    "a sign not a choice": ("sign", lambda v: ["sideways", *v[1:]]),
    "a tag not text": ("tags", lambda v: [[1], *v[1:]]),
    "a keep for no metric": ("keep", lambda v: [[99, 1, 1, None, None, None]]),
    "two keeps for one metric": ("keep", lambda v: [*v, v[0]]),
    "a keep after the last day": ("keep", lambda v: [[0, 1, 1, None, 10**7, None]]),
    "a formula row cut short": ("formula", lambda v: [[0, "a", 1]]),
    "a derived link not text": ("computed_from", lambda v: [[0, 5, 1, 1]]),
}


@pytest.mark.parametrize("column, change", DAMAGED.values(), ids=DAMAGED.keys())
def test_an_entry_that_encode_did_not_write_is_a_miss(
    tmp_path: Path, column: str, change: Callable[[list[Any]], object]
) -> None:
    sources, store, key, valid = valid_entry(tmp_path)
    store.write(KIND, key, json.dumps(damage(valid, column, change)).encode())
    cache = FileCache(store)
    assert cache.get(key, sources[0][0]) is None
    assert load_sources(sources, cache=cache) == load_sources(sources)
    assert cache.written == 1


def test_a_folder_that_cannot_be_written_costs_the_speed_not_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would be", encoding="utf-8")
    cache = FileCache(Store(str(blocker)))
    assert load_sources(AWKWARD, cache=cache) == load_sources(AWKWARD)
    assert cache.written == 0


def test_the_folder_says_what_it_is(tmp_path: Path) -> None:
    load_sources(AWKWARD[:1], cache=cache_in(tmp_path))
    root = tmp_path / "cache"
    assert (root / ".gitignore").read_text(encoding="ascii").splitlines()[-1] == "*"
    assert (
        (root / "CACHEDIR.TAG")
        .read_text(encoding="ascii")
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    # No temporary file is left behind.
    assert [p.name for p in (root / KIND).iterdir() if p.name.startswith(".tmp")] == []


def test_the_oldest_entries_go_first(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    for number in range(6):
        store.write("runs", f"k{number}", b"x")
        os.utime(tmp_path / "runs" / f"k{number}", (1_000_000 + number, 1_000_000 + number))
    store.prune("runs", keep=4)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["k2", "k3", "k4", "k5"]
    # And by size: each entry is its header line and one byte.
    size = (tmp_path / "runs" / "k5").stat().st_size
    store.prune("runs", keep=4, max_bytes=2 * size)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["k4", "k5"]
    store.prune("runs", keep=4, max_bytes=1)  # the newest stays, however large
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["k5"]


def test_an_entry_read_is_the_last_to_go(tmp_path: Path) -> None:
    """Pruning removes the entries used least recently: a file unchanged for months is
    read from the cache on every run and must not be pruned for being old."""
    sources = generated(files=3, metrics=300)
    load_sources(sources, cache=cache_in(tmp_path))
    used = cache_in(tmp_path).key(sources[0][0], sources[0][1], "libyaml")
    for entry in entries(tmp_path):  # the first file's entry the oldest of all
        when = 1_000_000 if entry.name == used else 2_000_000
        os.utime(entry, (when, when))
    store = Store(str(tmp_path / "cache"), version="0.1.0")
    for number in range(3):
        store.write(KIND, f"newer{number}", b"x")
    load_sources(sources[:1], cache=cache_in(tmp_path))  # reads the first file's entry
    store.prune(KIND, keep=4)
    kept = {p.name for p in entries(tmp_path)}
    assert used in kept and len(kept) == 4


def test_keys_depend_on_every_part_and_on_where_parts_end() -> None:
    store = Store("unused")
    assert store.key("ab", "c") != store.key("a", "bc")
    assert store.key("a") != Store("unused", version="9").key("a")
    assert store.key(b"a") == store.key("a")
    assert len({store.key("x", str(n)) for n in range(100)}) == 100


def test_a_content_is_named_by_its_bytes_and_not_kept_after_its_last_use() -> None:
    import hashlib
    import sys

    store = Store("unused")
    first, same_length = b"owner: a\n" * 1000, b"owner: b\n" * 1000
    assert store.content(first) == hashlib.sha256(first).hexdigest()  # an independent hash
    assert store.content(first) == store.content(bytes(first))  # the bytes, not the object
    assert store.content(same_length) != store.content(first)
    # The last use (a file's own key, after the run's) lets the bytes go: 150 MB at
    # 1,000,000 metrics.
    held = sys.getrefcount(first)
    store.content(first, last=True)
    assert sys.getrefcount(first) == held - 1


def test_the_code_is_part_of_the_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A working copy whose reader changed does not read what the old one wrote, nor one
    whose libraries changed (a new rich draws text otherwise); the same code installed
    again (new files, new times) does."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    (package / "sub" / "b.py").write_text("y = 2\n", encoding="utf-8")
    first = code_version(str(package))
    os.utime(package / "a.py", (1, 1))
    assert code_version(str(package)) == first
    (package / "sub" / "b.py").write_text("y = 3\n", encoding="utf-8")  # same size
    changed = code_version(str(package))
    assert changed != first
    # The report's script is printed from, not imported: a changed script is new code too
    # (a report replayed from the cache would otherwise keep the old picture).
    (package / "sub" / "picture.js").write_text("draw(1);\n", encoding="utf-8")
    scripted = code_version(str(package))
    assert scripted != changed
    (package / "sub" / "picture.js").write_text("draw(2);\n", encoding="utf-8")
    changed = code_version(str(package))
    assert changed != scripted
    (package / "sub" / "notes.txt").write_text("not code\n", encoding="utf-8")
    assert code_version(str(package)) == changed
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "99.0" if name == "rich" else real(name))
    assert code_version(str(package)) != changed
    assert code_version().startswith(__version__ + "+")
