from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户")

    def ready(self) -> None:
        from accounts import checks  # noqa: F401  (registers the region data check)
        from accounts.auth_cache import auth_cache_ready
        from accounts.privacy import privacy_ready

        auth_cache_ready()  # a saved user or a deleted token is forgotten by the cache at once
        privacy_ready()  # the account and its address book: the first to export, the last to erase
