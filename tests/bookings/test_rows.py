"""`linli.core.rows`: instances built from hand-written SQL equal what the ORM loads (on SQLite and on
PostgreSQL, with the databases' converters), `only` defers the rest, `insert` writes what `save` would;
and the hot paths built on it: token authentication and a short check-in code drawn again when taken."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from linli.bookings import codes, registrations, statements
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration
from linli.core.models import ApiToken, User
from linli.core.rows import Columns, insert, split
from linli.core.selectors import user_for_token
from linli.core.services import api_token_create
from linli.facilities.models import Facility

pytestmark = pytest.mark.django_db


def select_all(columns: Columns, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select(connection)} FROM {columns.table} {columns.alias} WHERE {columns.alias}.id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_built_instance_equals_the_orm_one(registry, users):
    facility = registry["facility"]
    Facility.objects.filter(pk=facility.pk).update(accessibility=["ramp", "lift"], completed_on=dt.date(2024, 5, 1))
    orm = Facility.objects.get(pk=facility.pk)
    columns = Columns(Facility, "f")
    built = columns.build(select_all(columns, facility.pk), connection)
    for field in Facility._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(orm, field.attname), field.name
    # the converters ran: JSON decoded, dates as dates, datetimes aware (SQLite returns text or naive values)
    assert built.accessibility == ["ramp", "lift"] and built.completed_on == dt.date(2024, 5, 1)
    assert timezone.is_aware(built.created_at)
    assert built._state.db == "default" and not built._state.adding

    user = users["resident"]
    built_user = Columns(User, "u").build(select_all(Columns(User, "u"), user.pk), connection)
    assert (built_user.username, built_user.home_area_code, built_user.id_number) == (
        user.username,
        user.home_area_code,
        user.id_number,
    )


def test_only_defers_the_other_fields(registry, django_assert_num_queries):
    facility = registry["facility"]
    columns = Columns(Facility, "f", only=("code", "name"))
    assert {f.name for f in columns.fields} == {"id", "code", "name"}
    built = columns.build(select_all(columns, facility.pk), connection)
    with django_assert_num_queries(0):
        assert (built.code, built.name) == (facility.code, facility.name)
    assert "area_code" in built.get_deferred_fields()
    with django_assert_num_queries(1):  # a deferred field loads on first access, as with QuerySet.only
        assert built.area_code == facility.area_code
    with pytest.raises(ValueError, match="no concrete fields"):
        Columns(Facility, "f", only=("code", "nonsense"))


def test_split_checks_the_row_length():
    assert split((1, 2, 3, 4), 1, 3) == [(1,), (2, 3, 4)]
    with pytest.raises(ValueError, match="row has 4 values"):
        split((1, 2, 3, 4), 1, 2)


def test_insert_writes_what_save_would(make_session, make_resident):
    session, resident = make_session(), make_resident()
    before = timezone.now()
    registration = Registration(
        session=session, resident=resident, area_code=session.area_code, status=RegistrationStatus.WAITLISTED
    )
    insert(registration, connection)
    assert registration.pk and not registration._state.adding
    stored = Registration.objects.get(pk=registration.pk)
    assert (stored.session_id, stored.resident_id, stored.status, stored.persons) == (
        session.pk,
        resident.pk,
        RegistrationStatus.WAITLISTED,
        1,  # the field's default
    )
    assert stored.created_at >= before and stored.created_at == registration.created_at  # auto_now_add


def test_token_authentication(users):
    user = users["community"]
    token, key = api_token_create(user=user, name="test")
    found = user_for_token(key)
    assert found is not None and found.pk == user.pk and found.scope == user.scope and found.role == user.role
    assert "password" in found.get_deferred_fields()  # the hash is not read for a request
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert user_for_token(key + "x") is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert user_for_token(key) is None
    ApiToken.objects.filter(pk=token.pk).delete()
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert user_for_token(key) is None  # a revoked token stops at once


def test_a_taken_short_code_is_drawn_again(make_session, make_resident, monkeypatch):
    session = make_session()
    resident = make_resident()
    first = registrations.registration_create(actor=resident, session_id=session.pk)
    # the lock statement answers both checks of a registration
    locked, already, short_taken = statements.session_locked_for(
        session.pk, resident_id=resident.pk, short_hash=first.short_code_hash
    )
    assert locked.pk == session.pk and locked.activity.facility.code and (already, short_taken) == (True, True)
    _, already, short_taken = statements.session_locked_for(session.pk, resident_id=resident.pk + 1, short_hash="x")
    assert (already, short_taken) == (False, False)
    assert statements.session_locked_for(session.pk + 1000, resident_id=resident.pk, short_hash="x") is None
    # the next registration's first draw gives the same short code as the first registration's
    taken_nonce = first.code_nonce
    draws = iter([taken_nonce, codes.new_nonce(), codes.new_nonce()])
    monkeypatch.setattr(codes, "new_nonce", lambda: next(draws))
    second = registrations.registration_create(actor=make_resident(), session_id=session.pk)
    assert second.status == RegistrationStatus.CONFIRMED
    assert second.short_code_hash != first.short_code_hash and second.code_nonce != taken_nonce
    assert statements.short_code_taken(session.pk, second.short_code_hash)
    stored = Registration.objects.get(pk=second.pk)
    assert stored.short_code_hash == codes.short_hash(session.pk, codes.short_code(second.code_nonce))
