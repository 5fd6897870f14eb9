"""Inline formsets whose duplicate-row messages are Chinese sentences naming the field as the
merchant sees it (Django's say ``请修改name的重复数据`` and ``请修正重复的数据.``)."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.forms.models import BaseInlineFormSet
from django.utils.text import get_text_list
from django.utils.translation import gettext as _


class ChineseInlineFormSet(BaseInlineFormSet):
    def _label(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def get_unique_error_message(self, unique_check) -> str:
        labels = [self._label(name) for name in unique_check if name != self.fk.name]
        return _("“%(field)s”有重复，每一行必须不同。") % {"field": get_text_list(labels, _("和"))}

    def get_date_error_message(self, date_check) -> str:
        return _("“%(field)s”在同一%(date)s内有重复。") % {
            "field": self._label(date_check[2]),
            "date": self._label(date_check[1]),
        }

    def get_form_error(self) -> str:
        return _("请修正下面重复的数据。")
