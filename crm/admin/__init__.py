"""crm's admin, one module per area; importing them registers their model admins."""

from crm.admin import campaigns, members, profiles  # noqa: F401
