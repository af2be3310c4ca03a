"""Feature stylesheets colour with the design system's tokens (app.css's :root): one definition per colour, so
a badge means the same thing on every page."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_CSS = ROOT / "frontend" / "static" / "frontend" / "app.css"
FEATURE_CSS = [
    ROOT / "linkage" / "static" / "linkage" / "linkage.css",
    ROOT / "fairs" / "static" / "fairs" / "badges.css",
]
COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")


def tokens() -> set[str]:
    root = re.search(r":root\s*\{(.*?)\}", APP_CSS.read_text(), re.S)
    assert root
    return set(re.findall(r"(--[\w-]+)\s*:", root.group(1)))


def test_feature_stylesheets_use_only_the_design_tokens():
    defined = tokens()
    for css in FEATURE_CSS:
        text = css.read_text()
        assert not COLOUR_LITERAL.findall(text), f"{css.name} has colours of its own"
        assert set(re.findall(r"var\((--[\w-]+)", text)) <= defined, f"{css.name} uses undefined tokens"


def test_a_badge_state_has_one_colour_across_the_stylesheets():
    """`.badge.status-placed` is an order's and a call-off's state alike: defined once."""
    selectors: dict[str, list[str]] = {}
    for css in [APP_CSS, *FEATURE_CSS]:
        for rule in re.findall(r"([^{}]+)\{[^}]*\}", css.read_text()):
            for selector in (s.strip() for s in rule.split(",")):
                if re.fullmatch(r"\.badge\.[\w-]+", selector):
                    selectors.setdefault(selector, []).append(css.name)
    twice = {selector: files for selector, files in selectors.items() if len(files) > 1}
    assert not twice, f"badge states defined more than once: {twice}"
