from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupbuyConfig(AppConfig):
    name = "groupbuy"
    verbose_name = _("拼团")

    def ready(self) -> None:
        from accounts.ports import me_context_register
        from catalog.ports import storefront_section_register
        from groupbuy import rules, services, views
        from groupbuy import tasks as groupbuy_tasks  # noqa: F401  (the Celery task, for workers)
        from orders import events
        from orders.jobs import job_register
        from orders.ports import (
            order_event_label_register,
            order_page_link_register,
            order_page_state_register,
            ship_guard_register,
        )
        from orders.pricing import register_pricing_rule

        register_pricing_rule(rules.group_price_rule)  # after flash and coupons: it refuses both
        events.register(services.group_order_event, in_transaction=True)
        ship_guard_register(services.group_ship_check, blocked=services.group_ship_blocked)
        job_register("groupbuy_groups_sync", services.groupbuy_sync_job)
        storefront_section_register(views.storefront_section, per_viewer=True)
        order_page_link_register(views.order_links)
        order_page_state_register(views.order_state)
        order_event_label_register(views.order_event_label)
        me_context_register(views.member_centre_context)

        from groupbuy import privacy

        privacy.privacy_ready()  # docs/privacy.md
