"""Read a page roughly as a person would: its visible words, headings, links and form errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIP = {"script", "style", "title", "head"}
# Tags that start a new line of text on screen; other tags (a, strong, span…) sit inside a line.
BLOCKS = {
    *("p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "table", "caption", "tr", "th", "td"),
    *("h1", "h2", "h3", "h4", "section", "nav", "header", "footer", "main", "figcaption", "blockquote"),
    *("form", "fieldset", "legend", "label", "button", "select", "option", "textarea"),
}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": []}
        self.links: list[tuple[str, str]] = []
        self.title = ""
        self._stack: list[str] = []
        self._heading: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.words.append(" ")
        if tag in ("br", "input", "meta", "link", "img", "hr"):
            return
        self._stack.append(tag)
        if tag in self.headings:
            self._heading = []
        if tag == "a":
            self._link = (dict(attrs).get("href") or "", [])

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.words.append(" ")
        if tag in self.headings and self._heading is not None:
            self.headings[tag].append(_squash("".join(self._heading)))
            self._heading = None
        if tag == "a" and self._link is not None:
            self.links.append((_squash("".join(self._link[1])), self._link[0]))
            self._link = None
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if "title" in self._stack:
            self.title += data
        if any(t in SKIP for t in self._stack):
            return
        self.words.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link[1].append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read(response) -> _Reader:
    reader = _Reader()
    reader.feed(response.content.decode())
    return reader


def text(response) -> str:
    """The words on the page, with whitespace collapsed."""
    return _squash("".join(read(response).words))


def h1(response) -> list[str]:
    return read(response).headings["h1"]


def title(response) -> str:
    return _squash(read(response).title)


def link_to(response, href: str) -> bool:
    return any(target == href for _, target in read(response).links)
