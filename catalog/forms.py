"""Admin forms for the catalog: specs typed as a list of values, SKU rows, bulk price/stock edits."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import SKU, ProductSpec
from core.integers import AsciiIntegerFormField
from core.money import YuanFormField

VALUE_SEPARATORS = re.compile(r"[\s,，、/／;；|]+")


def split_values(text: str) -> list[str]:
    """ "红 蓝" / "红,蓝" / "红、蓝" / "红/蓝" -> ["红", "蓝"]."""
    return [v for v in VALUE_SEPARATORS.split(text or "") if v]


class ProductSpecForm(forms.ModelForm):
    values_text = forms.CharField(
        label=_("规格值"),
        max_length=500,
        help_text=_("用空格、逗号、顿号或 / 分隔，例如：红 蓝 黑"),
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("红 蓝 黑")}),
    )

    class Meta:
        model = ProductSpec
        fields = ["name", "values_text", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if self.instance.pk:
            self.fields["values_text"].initial = " ".join(v.value for v in self.instance.values.all())

    def clean_values_text(self) -> list[str]:
        values = split_values(self.cleaned_data["values_text"])
        if not values:
            raise ValidationError(_("至少填写一个规格值。"))
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValidationError(_("规格值重复：%(v)s") % {"v": "、".join(duplicates)})
        too_long = [v for v in values if len(v) > 32]
        if too_long:
            raise ValidationError(_("规格值最多 32 个字：%(v)s") % {"v": too_long[0]})
        return values


class SkuInlineForm(forms.ModelForm):
    class Meta:
        model = SKU
        fields = ["code", "price_fen", "stock", "low_stock_threshold", "image", "is_active"]

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if (
            code
            and SKU.objects.filter(shop_id=self.instance.shop_id, code=code)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise ValidationError(_("商品编码“%(code)s”已被本店其他 SKU 使用。") % {"code": code})
        return code


class SkuBulkForm(forms.Form):
    """The intermediate page of the "批量设置价格/库存" action."""

    MODE_CHOICES = [
        ("", _("不修改库存")),
        ("set", _("库存设为")),
        ("add", _("库存增加")),
        ("sub", _("库存减少")),
    ]

    price_fen = YuanFormField(label=_("价格（元）"), required=False, help_text=_("留空表示不修改价格"))
    stock_mode = forms.ChoiceField(label=_("库存"), choices=MODE_CHOICES, required=False)
    stock_amount = AsciiIntegerFormField(label=_("数量"), min_value=0, required=False)

    def clean(self):
        data = super().clean()
        if data.get("stock_mode") and data.get("stock_amount") is None:
            self.add_error("stock_amount", _("请填写数量。"))
        if data.get("price_fen") is None and not data.get("stock_mode"):
            raise ValidationError(_("请至少修改价格或库存中的一项。"))
        return data

    def service_arguments(self) -> dict[str, int]:
        data = self.cleaned_data
        args: dict[str, int] = {}
        if data.get("price_fen") is not None:
            args["price_fen"] = data["price_fen"]
        mode, amount = data.get("stock_mode"), data.get("stock_amount")
        if mode == "set":
            args["stock"] = amount
        elif mode == "add":
            args["stock_delta"] = amount
        elif mode == "sub":
            args["stock_delta"] = -amount
        return args
