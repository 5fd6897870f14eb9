"""The demo (config/demo.py) shows issue 14: a complaint in the operator's queue, and a SKU with
its own threshold that an order took across it (one open alert, one message to the staff)."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import LowStockAlert, StaffNotice
from complaints.models import Complaint


@pytest.mark.django_db
def test_the_demo_has_a_complaint_and_a_low_stock_alert():
    call_command("load_demo", stdout=StringIO())
    complaint = Complaint.objects.get(shop__slug="demo")
    assert (
        complaint.status == "open"
        and complaint.order is not None
        and complaint.contact_masked == "139****5678"
    )
    alert = LowStockAlert.objects.get(shop__slug="demo", sku__low_stock_threshold__isnull=False)
    assert alert.resolved_at is None and alert.stock <= alert.threshold == alert.sku.low_stock_threshold
    assert StaffNotice.objects.filter(shop__slug="demo", kind="low_stock").exists()
