"""Static checks of the support console's files (no browser, no server).

The page must work under the service's Content-Security-Policy (no inline script or style) and
offline (nothing fetched from another origin), from files shipped inside the package.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib.resources import files
from typing import Any

CONSOLE = files("payfix.service") / "console"
#: Modules the service makes rather than ships: the console's words, from the rule pack.
MADE_BY_THE_SERVICE = {"strings.js"}


def _bundled_texts() -> Any:
    from ruamel.yaml import YAML

    from payfix.rules.loader import bundled_rules_dir

    return YAML(typ="safe").load((bundled_rules_dir() / "texts.yaml").read_text(encoding="utf-8"))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_blocks = 0
        self.style_attrs: list[str] = []
        self.handlers: list[str] = []
        self.ids: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if "style" in a:
            self.style_attrs.append(tag)
        self.handlers += [k for k in a if k.startswith("on")]
        self._in_script = tag == "script"
        if tag == "style":
            self.inline_blocks += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_blocks += 1


def _page() -> _Page:
    page = _Page()
    page.feed((CONSOLE / "index.html").read_text(encoding="utf-8"))
    return page


def test_page_has_no_inline_script_or_style() -> None:
    """index.html carries no script body, <style> element, style attribute or on* handler, which
    the service's CSP (script-src 'self'; style-src 'self') would block."""
    page = _page()
    assert page.inline_blocks == 0
    assert page.style_attrs == []
    assert page.handlers == []


def test_page_ids_are_unique() -> None:
    """Every id in the page is used once (labels and ARIA references point at one element)."""
    ids = _page().ids
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_every_referenced_file_ships_in_the_package() -> None:
    """Every /console/ file the page links and every module a script imports is in the package."""
    urls = [u for u in _page().urls if not u.startswith("#")]
    names = [u.removeprefix("/console/") for u in urls if u.startswith("/console/")]
    assert names
    assert len(names) == len(urls), urls
    for script in [p for p in CONSOLE.iterdir() if p.name.endswith(".js")]:
        names += re.findall(r'from "\./([\w.-]+)"', script.read_text(encoding="utf-8"))
    missing = sorted({n for n in names if not (CONSOLE / n).is_file()} - MADE_BY_THE_SERVICE)
    assert missing == []


def test_no_file_names_another_origin() -> None:
    """No console file refers to an absolute URL (no CDN, font or analytics: works offline)."""
    offenders = []
    for item in CONSOLE.iterdir():
        if item.name.endswith((".html", ".js", ".css")):
            text = item.read_text(encoding="utf-8")
            offenders += [f"{item.name}: {m}" for m in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", text)]
            if item.name.endswith((".js", ".css")):
                assert "@import" not in text, item.name
                assert "import(" not in text, item.name
    assert offenders == []


def test_the_pack_names_every_text_the_console_uses_in_both_languages() -> None:
    """The console's words are the pack's (``texts.yaml`` section ``console``, served as
    ``strings.js``): English and Chinese give the same texts (English plural forms aside), and
    every data-i18n key of the page and every text a script asks for by name is one of them."""
    given = _bundled_texts()["console"]
    en, zh = set(given["en"]), set(given["zh-CN"])
    assert len(en) > 100
    assert sorted(en - zh - {k for k in en if k.endswith(".other")}) == []
    assert sorted(zh - en) == []
    page = (CONSOLE / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n="([\w.-]+)"', page))
    for script in [p for p in CONSOLE.iterdir() if p.name.endswith(".js")]:
        used |= set(re.findall(r'\bt\([\w.]+, "([\w.-]+)"', script.read_text(encoding="utf-8")))
    assert len(used) > 80
    assert sorted(used - en) == []
