from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Verified-buyer reviews (docs/after-sales.md#reviews): only the buyer of a completed line
    reviews it, once; the merchant replies or hides with a reason, never writes or edits one."""

    name = "reviews"
    verbose_name = _("商品评价")
