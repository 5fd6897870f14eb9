from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("优惠券与红包")

    def ready(self) -> None:
        from catalog.ports import storefront_section_register
        from orders import events
        from orders.pricing import register_pricing_rule
        from promotions import rules, services, views

        register_pricing_rule(rules.coupon_rule)
        events.register(services.coupon_order_event_listener, in_transaction=True)
        storefront_section_register(views.storefront_section)
