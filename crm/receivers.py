"""Where crm plugs into the ports below it (called from ``CrmConfig.ready()``): one function per
area, so each area's registrations live beside it."""

from __future__ import annotations


def ready() -> None:
    from crm.services import campaigns, members, profiles

    profiles.ready()
    members.ready()
    campaigns.ready()
    from crm import privacy  # a shopper's profiles: export and erase (docs/privacy.md)

    privacy.privacy_ready()
