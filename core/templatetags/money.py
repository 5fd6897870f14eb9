"""Template filters for money: ``{{ sku.price_fen|yuan }}`` and ``{% yuan_range low high %}``."""

from django import template

from core.money import format_yuan, format_yuan_range

register = template.Library()


@register.filter(name="yuan")
def yuan(fen: int | None) -> str:
    return format_yuan(fen)


@register.simple_tag(name="yuan_range")
def yuan_range(low: int | None, high: int | None) -> str:
    return format_yuan_range(low, high)
