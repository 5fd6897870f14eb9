"""Post an admin form back the way a browser would: every field as the page rendered it.

``form_fields(html)`` reads the page's main ``<form>`` (the one with the most fields) (inputs,
checked boxes and radios, selected options, textareas; file inputs are sent empty, as a browser
sends an untouched file input), so a test can change a few values and post the rest unchanged.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self.files: list[str] = []
        self._in_form = False
        self._select: tuple[str, bool] | None = None  # (name, multiple)
        self._select_values: list[str] = []
        self._select_first: str | None = None
        self._option: dict[str, str | None] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and not self._in_form:
            self._in_form = True
            self.fields = []
            self.forms.append(self.fields)
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            if kind == "file":
                self.files.append(name)
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    # as a browser: the value attribute as written (even empty), "on" only without one
                    self.fields.append((name, (a["value"] or "") if "value" in a else "on"))
            else:
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._select_values, self._select_first = [], None
        elif tag == "option" and self._select:
            self._option, self._option_text = a, ""
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value = self._option.get("value")
            value = self._option_text.strip() if value is None else value
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self._select_values.append(value)
            self._option = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not self._select_values and not multiple and self._select_first is not None:
                self._select_values = [self._select_first]
            self.fields.extend((name, v) for v in self._select_values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            text = self._textarea_text[1:] if self._textarea_text.startswith("\n") else self._textarea_text
            self.fields.append((self._textarea, text.replace("\r\n", "\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


def form_fields(html: str) -> dict[str, str | list[str]]:
    """The fields of the page's form as a browser would post them unchanged."""
    parser = _FormParser()
    parser.feed(html)
    data: dict[str, str | list[str]] = {}
    for name, value in max(parser.forms, key=len, default=[]):
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    data.pop("csrfmiddlewaretoken", None)
    return data


def post_back(client, url: str, changes: dict | None = None, *, follow: bool = False):
    """Open ``url``, then submit its form with ``changes`` applied (files included), like a browser."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = form_fields(page.content.decode())
    data.update(changes or {})
    data.setdefault("_save", "保存")
    return client.post(url, data, follow=follow)
