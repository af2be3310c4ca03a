"""A careful reader of a rendered page for a Vietnamese visitor: what they can see (text, and the labels a screen
reader reads) that is not Vietnamese.

- an English msgid of our catalogue shown as is (a string rendered outside the active language, or never
  marked for translation);
- a raw code: a `snake_case` token, an `app.event` audit name, or a whole text that is one of our enums' stored
  values where the enum has a label for it;
- an English sentence: three or more plain-ASCII words among which at least two English function words, and
  no Vietnamese letter.

Names, e-mail addresses, URLs and codes people read as codes (lot numbers, references) are not sentences; text
inside `<code>`, `<script>`, `<style>` or `translate="no"` is a code on purpose and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.db import models
from django.utils import translation

from tests.po import parse_po

PO = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"

SKIPPED = frozenset({"script", "style", "code", "template", "noscript"})
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "for",
        "with",
        "this",
        "that",
        "you",
        "your",
        "was",
        "were",
        "be",
        "been",
        "not",
        "by",
        "from",
        "on",
        "in",
        "at",
        "it",
        "as",
        "or",
        "an",
        "has",
        "have",
        "will",
        "can",
        "no",
        "yet",
        "there",
        "here",
        "which",
        "what",
        "when",
        "than",
        "all",
        "any",
        "more",
        "its",
        "their",
        "they",
        "our",
        "we",
        "us",
        "he",
        "she",
        "if",
        "then",
        "please",
        "only",
        "been",
        "into",
    ]
)
VIETNAMESE_LETTERS = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
SNAKE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])")
AUDIT_NAME = re.compile(
    r"\b(?:organisations?|payments?|orders?|catalog|certificate|lot|product|fairs?|application)\.[a-z_]+"
)
SKIP_TOKENS = re.compile(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:example|vn|com|org)\b")


@dataclass
class Finding:
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r}"


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.segments: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in SKIPPED or values.get("translate") == "no" or values.get("type") == "hidden"
        if not self.skipping and not skip:
            self.segments.extend(str(values[name]) for name in READ_ATTRIBUTES if values.get(name))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.segments.append(" ".join(data.split()))


def visible_segments(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.segments


@cache
def translated_msgids() -> frozenset[str]:
    """English msgids with a Vietnamese translation that differs (so showing them is a mistake)."""
    return frozenset(
        " ".join(entry.msgid.split())
        for entry in parse_po(PO.read_text())
        if entry.msgid
        and entry.msgstr
        and entry.msgstr != entry.msgid
        and len(entry.msgid.split()) >= 2
        and "%" not in entry.msgid
        and "{" not in entry.msgid
    )


@cache
def raw_choice_values() -> frozenset[str]:
    """Stored values of our enums (model field choices) whose Vietnamese label differs from the value."""
    values: set[str] = set()
    with translation.override("vi"):
        for model in apps.get_models():
            if not model.__module__.startswith(("market.", "catalog.", "orders.", "fairs.")):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.Field) and field.choices:
                    for value, label in field.flatchoices:
                        if isinstance(value, str) and value and str(label).lower() != value.lower():
                            values.add(value)
    return frozenset(value for value in values if re.fullmatch(r"[a-z][a-z0-9_]*", value))


def is_english_sentence(text: str) -> bool:
    cleaned = SKIP_TOKENS.sub(" ", text)
    words = re.findall(r"[^\W\d_]+", cleaned)
    if len(words) < 3 or any(VIETNAMESE_LETTERS.search(word) for word in words):
        return False
    stops = {word.lower() for word in words if word.lower() in STOP_WORDS}
    return len(stops) >= 2


def findings(html: str) -> list[Finding]:
    found: list[Finding] = []
    msgids, choices = translated_msgids(), raw_choice_values()
    for segment in visible_segments(html):
        parts = [segment, *(part.strip() for part in re.split(r" · |: ", segment) if part.strip())]
        if any(part in msgids for part in parts):
            found.append(Finding("untranslated", segment))
            continue
        bare = SKIP_TOKENS.sub(" ", segment)
        if any(part in choices for part in parts) or SNAKE.search(bare) or AUDIT_NAME.search(bare):
            found.append(Finding("raw code", segment))
            continue
        if is_english_sentence(segment):
            found.append(Finding("English", segment))
    unique: dict[str, Finding] = {}
    for finding in found:
        unique.setdefault(str(finding), finding)
    return list(unique.values())
