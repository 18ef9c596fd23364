"""Settings from `revtrace.toml` or `[tool.revtrace]` in `pyproject.toml`.

The configuration file is found from the current directory upwards, like ruff's: in each
folder, `revtrace.toml` first, then a `pyproject.toml` that has a `[tool.revtrace]`
table. Command-line flags override it; `REVTRACE_FORMAT` overrides the format setting and
`REVTRACE_CACHE_DIR` the cache-dir setting.
Every setting remembers where its value came from, for `revtrace config`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from revtrace.model.codes import FAIL_ON_CHOICES
from revtrace.model.wording import quoted_list, suggest
from revtrace.render import AUDIT_CHOICES

SEVERITY_CHOICES = ("error", "warning", "info")
FORMAT_CHOICES = AUDIT_CHOICES

#: setting name → (description, the kind of value it takes)
SETTINGS: dict[str, tuple[str, str]] = {
    "catalog": ("catalog files, directories or glob patterns to read", "list of paths"),
    "fail-on": ("lowest severity that makes audit exit 1", quoted_list(FAIL_ON_CHOICES, "or")),
    "select": ("rule codes, prefixes or names to report (default: all)", "list of rules"),
    "ignore": ("rule codes, prefixes or names not to report", "list of rules"),
    "severity": ('per-rule severity overrides, e.g. {RT007 = "warning"}', "table"),
    "baseline": ("baseline file of accepted findings", "path"),
    "values": ("values file (CSV) that audit checks the links against", "path"),
    "format": ("default output format of audit", quoted_list(FORMAT_CHOICES, "or")),
    "cache-dir": (
        "folder of the cache (default: .revtrace_cache beside the configuration file)",
        "path",
    ),
}


#: A configuration is a few lines; anything larger is refused before it is parsed.
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(Exception):
    """A configuration file revtrace cannot use (exit code 2)."""


@dataclass
class Settings:
    catalog: list[str] = field(default_factory=lambda: ["metrics.yaml"])
    fail_on: str = "warning"
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    baseline: str | None = None
    values: str | None = None
    format: str = "auto"
    cache_dir: str | None = None
    #: setting name → where its value came from ("default", "pyproject.toml:12", "--fail-on")
    sources: dict[str, str] = field(default_factory=lambda: dict.fromkeys(SETTINGS, "default"))
    config_file: str | None = None

    def set(self, name: str, value: Any, source: str) -> None:
        setattr(self, name.replace("-", "_"), value)
        self.sources[name] = source


def find_config(start: Path | None = None) -> Path | None:
    """The nearest revtrace.toml, or pyproject.toml with [tool.revtrace], upwards from the
    current folder to the root of its git repository, and no further: a configuration
    in a folder above the repository (the system's temporary folder, a home directory)
    would otherwise change a CI gate unannounced. Outside a repository the search goes up
    to the file system's root, and the command line says which file it used."""
    folder = (start or Path.cwd()).resolve()
    for candidate_folder in _up_to_repository_root(folder):
        own = candidate_folder / "revtrace.toml"
        if own.is_file():
            return own
        pyproject = candidate_folder / "pyproject.toml"
        if pyproject.is_file() and _has_revtrace_table(pyproject):
            return pyproject
    return None


def _up_to_repository_root(folder: Path) -> list[Path]:
    searched = []
    for candidate in (folder, *folder.parents):
        searched.append(candidate)
        if (candidate / ".git").exists():
            return searched
    return searched


def inside_repository(folder: Path | None = None) -> bool:
    here = (folder or Path.cwd()).resolve()
    return any((candidate / ".git").exists() for candidate in (here, *here.parents))


def _has_revtrace_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*revtrace\s*[\].]", text, re.MULTILINE) is not None


def load_settings(
    config: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then the configuration file (`config` or the one found), then the env."""
    settings = Settings()
    path = config if config is not None else find_config()
    if path is not None:
        _apply_file(settings, path)
    environ = os.environ if environ is None else environ
    env_format = environ.get("REVTRACE_FORMAT")
    if env_format:
        if env_format not in FORMAT_CHOICES:
            raise ConfigError(
                f"REVTRACE_FORMAT={env_format}: not a format; use "
                f"{quoted_list(FORMAT_CHOICES, 'or')}"
            )
        settings.set("format", env_format, "REVTRACE_FORMAT")
    env_cache = environ.get("REVTRACE_CACHE_DIR")
    if env_cache:
        settings.set("cache-dir", env_cache, "REVTRACE_CACHE_DIR")
    return settings


def _apply_file(settings: Settings, path: Path) -> None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB: not a configuration"
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ConfigError(f"{_printable(path)}: cannot read it ({exc})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(_display(path), text, str(exc))) from None
    except (RecursionError, ValueError) as exc:
        # Nesting deeper than the parser goes, or an integer of thousands of digits.
        raise ConfigError(f"{path}: not a configuration revtrace can read ({exc})") from None
    display = _display(path)
    settings.config_file = display
    nested = (
        document.get("tool", {}).get("revtrace") if isinstance(document.get("tool"), dict) else None
    )
    if path.name == "pyproject.toml":
        table = nested
        if table is None:
            return
        section = "[tool.revtrace]"
    elif set(document) == {"tool"} and nested is not None:
        # The README's [tool.revtrace] block, copied into revtrace.toml as it is: the
        # intent is plain, so it is read as if its settings were at the top.
        table = nested
        section = "[tool.revtrace]"
    else:
        table = document
        section = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{display}: {section or 'the file'} must be a table")
    base = path.parent
    for name, value in table.items():
        line = _line_of(text, name, section)
        where = f"{display}:{line}" if line else display
        if name not in SETTINGS:
            hint = suggest(name, SETTINGS) or f" (settings: {', '.join(SETTINGS)})"
            if name == "tool" and not section:
                hint = (
                    "; in revtrace.toml the settings go at the top, without [tool.revtrace]"
                    " (that table is for pyproject.toml)"
                )
            raise ConfigError(f"{where}: unknown setting '{name}'{hint}")
        settings.set(name, _validate(name, value, where, base), where)


def _validate(name: str, value: Any, where: str, base: Path) -> Any:
    kind = SETTINGS[name][1]
    if name == "catalog":
        paths = [value] if isinstance(value, str) else value
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"{where}: 'catalog' must be a path or a list of paths")
        return [_relative(base / p) for p in paths]
    if name in ("baseline", "values", "cache-dir"):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{name}' must be a path")
        return _relative(base / value)
    if name in ("fail-on", "format"):
        choices = FAIL_ON_CHOICES if name == "fail-on" else FORMAT_CHOICES
        if value not in choices:
            raise ConfigError(f"{where}: '{name}' must be {kind}, not {value!r}")
        return value
    if name in ("select", "ignore"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: '{name}' must be a list of rule codes or names")
        return value
    # severity
    if not isinstance(value, dict) or not all(v in SEVERITY_CHOICES for v in value.values()):
        raise ConfigError(
            f"{where}: 'severity' must be a table of rule = {quoted_list(SEVERITY_CHOICES, 'or')}"
        )
    return dict(value)


def _line_of(text: str, key: str, section: str) -> int | None:
    """The line where `key` is set, for messages (tomllib keeps no positions)."""
    in_section = section == ""
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    table_header = f"[{section[1:-1]}.{key}]" if section else f"[{key}]"
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.replace(" ", "") == table_header:
            return number
        if stripped.startswith("["):
            in_section = section == "" or stripped.replace(" ", "") == section
            continue
        if in_section and pattern.match(line):
            return number
    return None


def _printable(path: Path) -> str:
    return repr(str(path))[1:-1]


def _relative(path: Path) -> str:
    """A path as the user would type it from here: relative when below the cwd."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")


def _toml_error(file: str, text: str, message: str) -> str:
    """`revtrace.toml:1:11: invalid TOML: Invalid value`: tomllib puts the place at the end
    of its message, in words ("at end of document" for the last line)."""
    at = _TOML_AT.search(message)
    if at is not None:
        return f"{file}:{at[1]}:{at[2]}: invalid TOML: {message[: at.start()]}"
    if message.endswith("(at end of document)"):
        line = text.count("\n") + 1 - text.endswith("\n")
        message = message.removesuffix("(at end of document)").rstrip()
        return f"{file}:{max(line, 1)}: invalid TOML: {message}"
    return f"{file}: invalid TOML: {message}"


def _display(path: Path) -> str:
    return _relative(path.resolve()) if path.is_absolute() else str(path)
