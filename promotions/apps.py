from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("优惠券与红包")

    def ready(self) -> None:
        from accounts.ports import login_hook_register
        from catalog.ports import storefront_section_register
        from orders import events
        from orders.jobs import job_register
        from orders.pricing import register_pricing_rule, stock_return_register
        from promotions import rules, services, views
        from promotions.flash import rules as flash_rules
        from promotions.flash import services as flash_services
        from promotions.flash import tasks as flash_tasks  # noqa: F401  (the Celery task, for workers)
        from promotions.flash import views as flash_views
        from wechat import ports as wechat_ports

        register_pricing_rule(flash_rules.flash_rule)  # before coupons: they see the flash price
        register_pricing_rule(rules.coupon_rule)
        stock_return_register(flash_services.flash_stock_return)
        job_register("flash_sessions_sync", flash_services.flash_sync_job)
        events.register(services.coupon_order_event_listener, in_transaction=True)
        storefront_section_register(flash_views.storefront_section)
        storefront_section_register(views.storefront_section)
        # 关注有礼: every new follower of the shop's account, claimed now or at their first sign-in
        wechat_ports.follow_listener_register(services.follower_coupons_on_follow)
        wechat_ports.signin_listener_register(services.follower_grants_on_signin)
        login_hook_register(services.follower_grants_on_login)

        from promotions import privacy

        privacy.privacy_ready()  # docs/privacy.md
