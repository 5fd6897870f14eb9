from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project package as an app, for what belongs to no app below it: the demo loader's
    ``load_demo`` command. It has no models."""

    name = "config"
    label = "config"
    verbose_name = "WeiShop"
