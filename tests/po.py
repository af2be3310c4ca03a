"""A small reader for gettext .po files (enough for checking that catalogues are complete)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Entry:
    msgid: str = ""
    msgstr: str = ""
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current = Entry()
    key: str | None = None

    def flush() -> None:
        nonlocal current, key
        if key is not None:
            entries.append(current)
        current, key = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key = "msgid_plural"
        elif line.startswith("msgid "):
            if key is not None and key.startswith("msgstr"):
                flush()
            key = "msgid"
            current.msgid = json.loads(line[6:])
        elif line.startswith("msgstr"):
            key = "msgstr"
            current.msgstr += json.loads(line.split(" ", 1)[1])
        elif line.startswith('"') and key == "msgid":
            current.msgid += json.loads(line)
        elif line.startswith('"') and key == "msgstr":
            current.msgstr += json.loads(line)
    flush()
    return entries


def untranslated(text: str) -> list[str]:
    """msgids (header excluded) with an empty or fuzzy translation."""
    return [e.msgid for e in parse_po(text) if e.msgid and not e.obsolete and (not e.msgstr or "fuzzy" in e.flags)]
