from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Verified-buyer reviews (docs/after-sales.md#reviews): only the buyer of a completed line
    reviews it, once; the merchant replies or hides with a reason, never writes or edits one."""

    name = "reviews"
    verbose_name = _("商品评价")

    def ready(self) -> None:
        from accounts.ports import me_context_register
        from catalog.ports import product_panel_register
        from orders.ports import order_page_link_register
        from reviews import privacy, views

        product_panel_register(views.product_panel)
        order_page_link_register(views.order_links)
        me_context_register(views.member_centre_context)
        privacy.privacy_ready()  # docs/privacy.md
