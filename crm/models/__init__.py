"""crm's models, one module per area (docs/crm.md): profiles (customers, tags, segments), members
(levels, points), campaigns (marketing messages). Import a model from its module, e.g.
``from crm.models.profiles import CustomerProfile``; the imports here make Django see them all."""

from crm.models import campaigns, members, profiles  # noqa: F401  (their models join the app)
