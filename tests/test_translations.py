"""Every user-facing string is translated into Vietnamese, the default language."""

import shutil
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from tests.po import untranslated

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ["market", "catalog", "orders", "linkage", "fairs", "frontend"]


def test_committed_catalogue_is_complete():
    assert untranslated(PO.read_text()) == []


def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path, monkeypatch):
    """makemessages over a copy of the sources and of the catalogue, so that the repository's own .po is never
    rewritten by the test, and nothing is written into the tree: makemessages writes `page.html.py` beside each
    template while it reads it, which other tests reading the tree at that moment (bench.env.code_key, the deploy
    version of market.core.conditional, the scans of our modules) would find."""
    committed = PO.read_text()
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        call_command("makemessages", locale=["vi"], verbosity=0)
    fresh = (tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text()
    missing = untranslated(fresh)
    assert missing == [], f"run 'make messages-update' and translate: {missing}"
    assert PO.read_text() == committed
