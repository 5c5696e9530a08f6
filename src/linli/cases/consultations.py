"""Consultations (咨询): a resident asks, staff answer, and an answer may be published as a FAQ entry written
by staff - never the resident's own words or anything personal."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.models import Consultation, RequestType
from linli.cases.services import HANDLE
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.masking import personal_data_in
from linli.core.models import User
from linli.core.parsing import text
from linli.core.permissions import require
from linli.core.services import audit_record

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


# Consultations -----------------------------------------------------------------------------------------


@transaction.atomic
def consultation_ask(
    *, actor: AnyUser, question: str, request_type: RequestType | None = None, now: dt.datetime | None = None
) -> Consultation:
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    assert isinstance(actor, User)
    errors = RowErrors()
    question = text(question)
    if not question:
        errors.add(0, "question", _("required"))
    elif len(question) > 2000:
        errors.add(0, "question", _("at most %(n)d characters") % {"n": 2000})
    if not actor.home_area_code:
        errors.add(0, "question", _("your home area is not recorded: ask community staff"))
    errors.raise_if_any("invalid", _("The question was not sent."))
    return Consultation.objects.create(
        asker=actor, area_code=actor.home_area_code, question=question, request_type=request_type
    )


def _consultation_staff(actor: AnyUser, consultation: Consultation) -> None:
    require(actor, HANDLE, consultation.area_code)


@transaction.atomic
def consultation_answer(
    *, actor: AnyUser, consultation: Consultation, answer: str, now: dt.datetime | None = None
) -> Consultation:
    _consultation_staff(actor, consultation)
    answer = text(answer)
    errors = RowErrors()
    if not answer:
        errors.add(0, "answer", _("required"))
    elif len(answer) > 5000:
        errors.add(0, "answer", _("at most %(n)d characters") % {"n": 5000})
    errors.raise_if_any("invalid", _("The answer was not saved."))
    consultation.answer = answer
    consultation.answered_by = actor if isinstance(actor, User) else None
    consultation.answered_at = now or timezone.now()
    consultation.save()
    return consultation


def _asker_names(consultation: Consultation) -> tuple[str, ...]:
    asker = consultation.asker
    return (asker.display_name, asker.get_full_name(), asker.first_name, asker.last_name, asker.username)


def _personal_in_faq(kind: str) -> str:
    return {
        "phone": _("contains a phone number: nothing personal is published"),
        "id_number": _("contains an ID number: nothing personal is published"),
        "name": _("contains the resident's name: nothing personal is published"),
    }[kind]


@transaction.atomic
def consultation_publish(
    *, actor: AnyUser, consultation: Consultation, public: bool, public_question: str = ""
) -> Consultation:
    """Publish a good answer as a FAQ entry, or withdraw it. The entry is written by staff: the question
    as published is their rewording (given now, or kept from an earlier publication), never the resident's
    own words; neither it nor the answer may hold a phone number, an ID number or the resident's name
    (PIPL: a FAQ is read by anyone)."""
    _consultation_staff(actor, consultation)
    errors = RowErrors()
    if public and not consultation.answer:
        errors.add(0, "answer", _("answer the question before publishing it"))
    wording = text(public_question) or consultation.public_question
    if len(wording) > 2000:
        errors.add(0, "public_question", _("at most %(n)d characters") % {"n": 2000})
    if public:
        if not wording:
            errors.add(
                0,
                "public_question",
                _("required: write the question as it will be published, without anything personal"),
            )
        elif wording == text(consultation.question):
            errors.add(0, "public_question", _("rephrase the question: the resident's own words are not published"))
        names = _asker_names(consultation)
        for field, published in (("public_question", wording), ("answer", consultation.answer)):
            for kind in personal_data_in(published, names=names):
                errors.add(0, field, _personal_in_faq(kind))
    errors.raise_if_any("invalid", _("The FAQ entry was not saved."))
    consultation.is_faq = public
    consultation.public_question = wording
    consultation.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=consultation,
        fields=["is_faq"],
        detail={"is_faq": public},
    )
    return consultation
