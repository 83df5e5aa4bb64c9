"""The database's HMAC (PostgreSQL, signing.signature_sql) equals Python's hmac for the same fields."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salur.payments.signing import KEY_STAGE, SIGNED_FIELDS, key_stage_create, sign_one, signature_sql

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries(dict.fromkeys(SIGNED_FIELDS[:-1], _text)), st.integers(1, 10**12))
def test_signature_sql_equals_python(fields, nominal):
    row = {**fields, "nominal": nominal}
    key_stage_create()
    try:
        expr = signature_sql({c: f"%({c})s" for c in SIGNED_FIELDS})
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {expr} FROM {KEY_STAGE} k", row)
            assert cursor.fetchone()[0] == sign_one(row)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {KEY_STAGE}")
