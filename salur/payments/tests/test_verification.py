"""Payment verification: the textbook sample size, allocation, a reproducible draw, answers and the estimate."""

from __future__ import annotations

import math

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from salur.accounts.models import Role
from salur.core.errors import PermissionDenied, SalurError
from salur.payments.models import Payment, VerificationItem
from salur.payments.verification import allocate, answer_record, estimate, sample_draw, sample_size


@pytest.mark.parametrize(
    ("population", "confidence", "margin", "expected"),
    [
        # Cochran with finite-population correction: n0 = 1.959964^2 * 0.25 / 0.05^2 = 384.15
        (10_000, 0.95, 0.05, 370),
        (1_000, 0.95, 0.05, 278),
        (100, 0.95, 0.05, 80),
        (10_000_000, 0.95, 0.05, 385),
        (10_000_000, 0.99, 0.01, 16_560),
        (10_000, 0.90, 0.03, 700),  # z = 1.644854: n0 = 751.5, n = 699.07
        (50, 0.95, 0.05, 45),
    ],
)
def test_sample_size_matches_the_textbook_formula(population, confidence, margin, expected):
    assert sample_size(population, confidence=confidence, margin=margin) == expected


@given(st.integers(1, 10**7), st.floats(0.8, 0.995), st.floats(0.005, 0.2))
def test_sample_size_is_the_ceiling_of_cochran_with_fpc(population, confidence, margin):
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * 0.25 / margin**2
    n = sample_size(population, confidence=confidence, margin=margin)
    assert n == min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))
    assert 1 <= n <= population


@given(
    st.dictionaries(
        st.text("0123456789", min_size=2, max_size=2), st.integers(1, 5000), min_size=1, max_size=30
    ),
    st.integers(0, 4000),
)
def test_allocation_sums_to_n_and_never_exceeds_a_stratum(sizes, n):
    n = min(n, sum(sizes.values()))
    alloc = allocate(sizes, n)
    assert sum(alloc.values()) == n
    assert all(0 <= alloc[k] <= sizes[k] for k in sizes)
    if n >= len(sizes):
        assert all(v >= 1 for v in alloc.values())


@pytest.fixture
def paid_cycle(golden_cycle_inputs, admin_user, make_user, tmp_path):
    checker = make_user("checker_v", Role.ADMIN_PUSAT, None)
    call_command("cycle_create", program="PKH", period="2024-T2", user=admin_user.username)
    call_command("budget_set", program="PKH", year=2024, amount=10**12, user=admin_user.username)
    call_command("cycle_approve", "PKH-2024-T2", user=checker.username)
    call_command("payments_export", "PKH-2024-T2", out=str(tmp_path / "out"), user=admin_user.username)
    Payment.objects.update(status="DIBAYAR")
    return admin_user


@pytest.mark.django_db
def test_draw_answers_and_estimate(paid_cycle, make_user):
    admin = paid_cycle
    sample = sample_draw(
        actor=admin, code="PKH-2024-T2", confidence=0.95, margin=0.1, stratify="provinsi", seed=7
    )
    assert sample.population == 125
    assert sample.size == sample_size(125, confidence=0.95, margin=0.1)
    again = sample_draw(
        actor=admin, code="PKH-2024-T2", confidence=0.95, margin=0.1, stratify="provinsi", seed=7
    )
    ids = lambda s: sorted(VerificationItem.objects.filter(sample=s).values_list("payment_id", flat=True))  # noqa: E731
    assert ids(sample) == ids(again)  # the same seed draws the same recipients
    items = list(VerificationItem.objects.filter(sample=sample).select_related("payment").order_by("id"))
    answer_record(actor=admin, item_id=items[0].pk, answer="tidak_diterima", notes="kartu diblokir")
    answer_record(
        actor=admin, item_id=items[1].pk, answer="kurang", amount_received=items[1].payment.nominal - 50_000
    )
    for item in items[2:]:
        answer_record(actor=admin, item_id=item.pk, answer="diterima")
    with pytest.raises(SalurError):
        answer_record(
            actor=admin, item_id=items[2].pk, answer="kurang", amount_received=items[2].payment.nominal
        )
    first = VerificationItem.objects.get(pk=items[0].pk)
    assert first.follow_up  # a grievance was opened
    from salur.grievances.models import Grievance

    assert Grievance.objects.filter(channel="verifikasi").count() == 2
    result = estimate(sample)
    assert result["answered"] == sample.size
    assert result["not_received"]["count"] == 1
    assert result["not_received"]["low"] <= result["not_received"]["share"] <= result["not_received"]["high"]
    # A pendamping of another region cannot answer for these recipients.
    other = make_user("pendamping_lain", Role.PENDAMPING, "18.72")
    outside = next(i for i in items if not i.payment.kode_wilayah.startswith("1872"))
    with pytest.raises((PermissionDenied, Exception)):
        answer_record(actor=other, item_id=outside.pk, answer="diterima")
