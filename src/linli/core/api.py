from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from linli.core.selectors import people_in_scope
from linli.core.services import people_contacts

router = Router(tags=["people"])


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    scope: str
    is_superuser: bool


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    home_area_code: str
    phone: str
    id_number: str


@router.get("/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        display_name=getattr(user, "display_name", ""),
        role=getattr(user, "role", ""),
        scope=getattr(user, "scope", ""),
        is_superuser=user.is_superuser,
    )


@router.get("/people", response=list[PersonOut], summary="People living in my scope (personal data masked by role)")
@paginate
def people(request: HttpRequest) -> list[PersonOut]:
    return _PeoplePage(request)  # type: ignore[return-value]


class _PeoplePage:
    """Lets the paginator slice the queryset first, then masks and audits only the page it returns."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.qs = people_in_scope(viewer=request.user)

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[PersonOut]:
        subjects = list(self.qs[item])
        contacts = people_contacts(viewer=self.request.user, subjects=subjects, request=self.request)
        return [
            PersonOut(
                id=s.pk,
                username=s.username,
                display_name=s.display_name,
                home_area_code=s.home_area_code,
                **contacts[s.pk],
            )
            for s in subjects
        ]
