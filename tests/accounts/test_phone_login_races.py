"""Phone-code races that only PostgreSQL shows honestly: real row locks, separate connections."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F

from accounts import services
from accounts.models import PhoneLoginCode, User
from core.errors import ApplicationError
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "13812345678"


def code_of(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1][1]).group()


def login(code: str):
    return services.phone_code_login(phone=PHONE, code=code)


def test_the_right_code_sent_ten_times_at_once_logs_in_once(outbox):
    services.phone_code_send(phone=PHONE, ip="10.0.0.1")
    results = run_at_once(login, [(code_of(outbox),)] * 10)
    users = [r for r in results if isinstance(r, User)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(users) == 1 and len(refusals) == 9, results
    assert {r.code for r in refusals} == {"code_expired"}
    assert User.objects.filter(phone=PHONE).count() == 1


def test_ten_wrong_guesses_at_once_count_exactly_five(outbox):
    services.phone_code_send(phone=PHONE, ip="10.0.0.1")
    wrong = f"{(int(code_of(outbox)) + 1) % 10**6:06d}"
    results = run_at_once(login, [(wrong,)] * 10)
    codes = sorted(r.code for r in results if isinstance(r, ApplicationError))
    assert codes == ["code_expired"] * 5 + ["code_invalid"] * 5, results
    assert PhoneLoginCode.objects.get().attempts == 5


def test_a_burst_of_requests_sends_one_code(outbox):
    services.phone_code_send(phone=PHONE, ip="10.0.0.1")
    PhoneLoginCode.objects.update(created_at=F("created_at") - timedelta(seconds=61))
    results = run_at_once(lambda: services.phone_code_send(phone=PHONE, ip="10.0.0.1"), [()] * 10)
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refusals) == 9 and {r.code for r in refusals} == {"code_too_soon"}, results
    assert len(outbox) == 2 and PhoneLoginCode.objects.count() == 2
