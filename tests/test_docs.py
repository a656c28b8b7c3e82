"""The docs are held to the code: the settings table, the command line, the README's promises, the links."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlbattle import settings
from mlbattle.cli import build_parser
from tools import docs

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, list[str]]]:
    """Every command a user can type (`competitions set`), with its options, walking the parser's tree."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))
            return
    options = [max(action.option_strings, key=len) for action in parser._actions
               if action.option_strings and not isinstance(action, argparse._HelpAction)]
    yield " ".join(path), options


def _cli_rows() -> list[tuple[list[str], str]]:
    """The rows of docs/cli.md's tables: the commands named in the first cell, and the whole row."""
    rows = []
    for line in (DOCS / "cli.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            first = line.split(" | ")[0]
            rows.append((re.findall(r"`([^`]+)`", first), line))
    return rows


def _documents(named: str, command: str) -> bool:
    return named == command or named.startswith(command + " ")


def test_the_settings_page_shows_the_settings_table_the_code_declares() -> None:
    page = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"{docs.BEGIN}\n{settings.markdown_table()}{docs.END}" in page, "run python -m tools.docs"


def test_every_setting_is_on_the_settings_page() -> None:
    page = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert [s.env for s in settings.SETTINGS if f"| `{s.env}` |" not in page] == []


def test_the_docs_tool_rewrites_a_stale_table_and_leaves_the_hand_written_text(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "settings.md"
    page.parent.mkdir()
    page.write_text(f"# Settings\n\nabove\n\n{docs.BEGIN}\n| old | table |\n{docs.END}\n\nbelow\n", encoding="utf-8")
    assert docs.stale_pages(tmp_path) == ["docs/settings.md"]
    assert docs.stale_pages(tmp_path, write=True) == ["docs/settings.md"]
    assert docs.stale_pages(tmp_path) == []
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Settings\n\nabove\n\n") and text.endswith("\n\nbelow\n")
    assert settings.markdown_table() in text and "| old | table |" not in text


def test_the_docs_tool_refuses_a_page_without_its_markers(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "settings.md").write_text("# Settings\n", encoding="utf-8")
    with pytest.raises(docs.DocsError, match="docs/settings.md: the page needs the two marker lines"):
        docs.stale_pages(tmp_path)


def test_the_checked_repository_docs_are_current() -> None:
    assert docs.stale_pages() == []


def test_the_parser_walk_finds_commands_and_their_options() -> None:
    found = dict(_commands(build_parser()))
    assert "competitions set" in found and "sync" in found and "events" not in found
    assert "--auto-sync" in found["competitions set"] and "--all" in found["sync"]


def test_every_command_is_documented_in_the_cli_page() -> None:
    named = [name for names, _ in _cli_rows() for name in names]
    missing = [command for command, _ in _commands(build_parser())
               if not any(_documents(name, command) for name in named)]
    assert missing == [], "add a row to docs/cli.md for each"


def test_every_option_of_a_command_is_in_its_row_of_the_cli_page() -> None:
    rows = _cli_rows()
    missing = []
    for command, options in _commands(build_parser()):
        text = " ".join(line for names, line in rows if any(_documents(name, command) for name in names))
        missing += [f"{command} {option}" for option in options if option not in text]
    assert missing == [], "name each option in its command's row of docs/cli.md"


def test_the_readme_starts_with_the_two_commands_and_stays_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    first_block = "\n".join(lines[:lines.index("```", lines.index("```bash") + 1)])
    assert "pip install -r requirements.txt && streamlit run app.py" in first_block
    assert "pip install -r requirements-dev.txt && python -m pytest -q" in first_block
    assert lines.index("```bash") < 5
    assert len(lines) <= 150


def _links(path: Path, text: str) -> list[tuple[str, Path]]:
    return [(target, (path.parent / target.split("#")[0]).resolve()) for target in LINK.findall(text)
            if "://" not in target and not target.startswith(("#", "mailto:"))]


def test_every_link_between_the_docs_pages_resolves() -> None:
    broken = [f"{page.name}: {target}" for page in sorted(DOCS.glob("*.md"))
              for target, resolved in _links(page, page.read_text(encoding="utf-8")) if not resolved.exists()]
    assert broken == []


def test_the_readme_links_and_screenshots_resolve_outside_its_list_of_feature_pages() -> None:
    """The "More" list names the pages each feature documents itself; the rest must resolve here."""
    text = README.read_text(encoding="utf-8").split("\n## More")[0]
    broken = [target for target, resolved in _links(README, text) if not resolved.exists()]
    assert broken == []
    assert "docs/img/leaderboard.png" in text and "docs/img/event.png" in text


def test_the_files_the_architecture_page_names_exist() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:mlbattle|pages|tools|tests)/[a-z0-9_/.]+\.py|app\.py)`", text))
    assert named, "the page names the modules"
    assert sorted(name for name in named if not (ROOT / name).exists()) == []


def test_every_module_of_the_product_is_in_the_architecture_module_map() -> None:
    """A new module without a row in docs/architecture.md is a module a newcomer cannot find."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = DOCS.parent / "mlbattle"
    unnamed = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(DOCS.parent).as_posix()
        if path.name == "__init__.py" or relative in text:
            continue
        folder = path.parent.relative_to(DOCS.parent).as_posix()
        in_a_subpackage = folder != "mlbattle"
        if in_a_subpackage and (f"| `{folder}/` |" in text or (f"`{folder}/" in text and f"`{path.name}`" in text)):
            continue
        unnamed.append(relative)
    assert unnamed == []
