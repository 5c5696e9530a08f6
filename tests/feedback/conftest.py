"""Residents of the test district and surveys for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.enums import Role
from linli.feedback.services import QuestionInput, survey_create
from tests.conftest import make_user
from tests.facilities.conftest import registry  # noqa: F401

TODAY = timezone.localdate


@pytest.fixture
def neighbours(users, area_tree):
    """More residents: two in 东湖社区 (990102001001), one in 湖滨社区, one in 上村 (the rural town)."""
    return {
        "east_1": make_user("east_1", Role.RESIDENT, home="990102001001", display_name="张三"),
        "east_2": make_user("east_2", Role.RESIDENT, home="990102001001", display_name="李四"),
        "lakeside": make_user("lakeside", Role.RESIDENT, home="990102001002", display_name="王五"),
        "village": make_user("village", Role.RESIDENT, home="990102101201", display_name="赵六"),
    }


def questions() -> list[QuestionInput]:
    return [
        QuestionInput(kind="single", text="最需要什么服务?", options=["助餐", "托育", "健身"]),
        QuestionInput(kind="multiple", text="常去哪里?", options=["邻里中心", "公园", "图书馆"], required=False),
        QuestionInput(kind="rating", text="对社区服务打分", required=True),
        QuestionInput(kind="text", text="其他建议", required=False),
    ]


@pytest.fixture
def survey(users, area_tree):
    """A district-wide survey, open since yesterday for a week, by the district admin."""
    today = timezone.localdate()
    return survey_create(
        actor=users["district"],
        title="2025 居民需求调查",
        area_code="990102000000",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
        questions=questions(),
    )


def qid(survey, position: int) -> int:
    return survey.questions.get(position=position).pk
