from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from accounts import ports as accounts_ports
        from orders.services.cart import cart_merge_session

        accounts_ports.login_hook_register(cart_merge_session)

        from orders import privacy

        privacy.privacy_ready()  # docs/privacy.md
