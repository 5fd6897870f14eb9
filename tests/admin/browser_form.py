"""Read an admin page's form the way a browser submits it: every enabled input, select and
textarea of the ``<form method="post">`` with its current value (checked boxes only, the selected
option or the first one), plus which fields the page marks ``required`` — so a walker can POST a
form back unchanged, or fill in only what the merchant would have to type."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


@dataclass
class Control:
    name: str
    kind: str  # the input type, "select", "select-multiple" or "textarea"
    required: bool
    values: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # select only


@dataclass
class BrowserForm:
    id: str
    controls: list[Control]
    file_inputs: list[tuple[str, bool]]  # (name, required)

    def data(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for control in self.controls:
            data.setdefault(control.name, []).extend(control.values)
        return data

    def empty_required(self) -> list[Control]:
        """Required controls a merchant would still have to fill in (not inline template rows)."""
        return [
            c
            for c in self.controls
            if c.required and not any(v.strip() for v in c.values) and "__prefix__" not in c.name
        ]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[BrowserForm] = []
        self._form: BrowserForm | None = None
        self._select: Control | None = None
        self._select_selected: list[str] = []
        self._option: dict | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = BrowserForm(a.get("id", ""), [], [])
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form.file_inputs.append((name, "required" in a))
            elif kind in SKIPPED_INPUTS:
                return
            elif kind in ("checkbox", "radio"):
                values = [a.get("value", "on")] if "checked" in a else []
                self._form.controls.append(Control(name, kind, "required" in a, values))
            else:
                self._form.controls.append(Control(name, kind, "required" in a, [a.get("value", "")]))
        elif tag == "select" and name:
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = Control(name, kind, "required" in a)
            self._select_selected = []
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea" and name:
            self._textarea = Control(name, "textarea", "required" in a, [""])

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea.values[0] += data

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = (
                self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            )
            self._select.options.append(value)
            if self._option["selected"]:
                self._select_selected.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            select = self._select
            if select.kind == "select":
                select.values = self._select_selected[-1:] or select.options[:1]
            else:
                select.values = self._select_selected
            self._form.controls.append(select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea.values[0]
            self._textarea.values[0] = text[1:] if text.startswith("\n") else text  # as browsers do
            self._form.controls.append(self._textarea)
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


def parse_form(html: str, form_id: str) -> BrowserForm:
    """The page's POST form with id ``form_id`` (admin: ``<model_name>_form``)."""
    parser = _FormParser()
    parser.feed(html)
    forms = [form for form in parser.forms if form.id == form_id]
    assert forms, f"no <form method=post id={form_id}> on the page"
    return forms[0]
