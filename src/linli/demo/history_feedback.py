"""Feedback in the demo history: residents' needs with supports and staff replies, and surveys with answers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.demo.history_context import HistoryContext
from linli.demo.users import DISTRICT
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility
from linli.feedback.enums import NeedStatus, QuestionKind, SurveyKind
from linli.feedback.models import Answer, Need, NeedSupport, NeedUpdate, Question, Survey, SurveyResponse

NEEDS = 300

NEED_TITLES: tuple[tuple[str, str], ...] = (
    ("增设老年助餐点", "elderly"), ("小区加装电梯", "government"), ("增加儿童游乐设施", "education"),
    ("夜间路灯太暗", "government"), ("希望开设四点半课堂", "education"), ("增加健身器材", "sports"),
    ("社区卫生服务站延长服务时间", "health"), ("增设电动车充电桩", "government"), ("菜市场太远", "elderly"),
    ("停车位不足", "government"), ("希望有更多文化活动", "culture"), ("老旧小区屋顶漏水", "government"),
)  # fmt: skip
NEED_REPLIES = {
    NeedStatus.ACCEPTED: "已受理，正在调研。",
    NeedStatus.PLANNED: "已纳入年度民生实事计划。",
    NeedStatus.DONE: "已办结，感谢您的建议。",
    NeedStatus.DECLINED: "经评估暂不具备实施条件。",
}


def needs_load(ctx: HistoryContext) -> dict[str, int]:
    areas = dict(Area.objects.filter(code__in=ctx.villages).values_list("code", "id"))
    statuses = [NeedStatus.OPEN, NeedStatus.ACCEPTED, NeedStatus.PLANNED, NeedStatus.DONE, NeedStatus.DECLINED]
    needs, updates, supports, born = [], [], [], []
    for _n in range(NEEDS):
        proposer = ctx.people[int(ctx.rng.integers(len(ctx.people)))]
        title, domain = NEED_TITLES[int(ctx.rng.integers(len(NEED_TITLES)))]
        status = statuses[int(ctx.rng.choice(5, p=[0.35, 0.2, 0.2, 0.15, 0.1]))]
        created = ctx.now - dt.timedelta(days=float(ctx.rng.random()) * 365)
        need = Need(
            title=title,
            description=f"{title}，希望社区予以解决。",
            domain=domain,
            area_id=areas[proposer.home_area_code],
            area_code=proposer.home_area_code,
            proposer=proposer,
            status=status,
        )
        if status != NeedStatus.OPEN:
            need.reply = NEED_REPLIES[status]
            need.replied_at = ctx.moment(created, ctx.now)
        needs.append(need)
        born.append(created)
    Need.objects.bulk_create(needs, batch_size=500)
    for need, created in zip(needs, born, strict=True):
        need.created_at = created
        backers = ctx.pick(need.area_code, int(ctx.rng.integers(0, 40)))
        supports += [NeedSupport(need=need, user=u) for u in {need.proposer, *backers}]
        if need.status != NeedStatus.OPEN:
            updates.append(NeedUpdate(need=need, actor=ctx.staff.get("community"), status_from=NeedStatus.OPEN,
                                      status_to=need.status, reply=need.reply))  # fmt: skip
    Need.objects.bulk_update(needs, ["created_at"], batch_size=500)
    NeedSupport.objects.bulk_create(supports, batch_size=2000)
    NeedUpdate.objects.bulk_create(updates, batch_size=500)
    return {"needs": len(needs), "need_supports": len(supports)}


def surveys_load(ctx: HistoryContext) -> dict[str, int]:
    district = Area.objects.get(code=DISTRICT)
    towns = list(Area.objects.filter(code__startswith=DISTRICT[:6], level=AreaLevel.TOWN).order_by("code"))
    centres = list(
        Facility.objects.filter(
            area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code="nc-community"
        ).order_by("code")[:4]
    )
    today = timezone.localdate(ctx.now)
    specs: list[tuple[str, str, Area, Facility | None]] = [
        (f"{c.name}服务满意度调查", SurveyKind.SATISFACTION, c.area, c) for c in centres
    ]
    topics = ("社区养老服务需求调查", "15分钟生活圈居民出行调查", "社区文化活动意向调查", "托育服务需求调查",
              "社区食堂意见征集", "全民健身设施使用情况调查")  # fmt: skip
    specs += [(t, SurveyKind.GENERAL, district if i % 3 == 0 else towns[i % len(towns)], None)
              for i, t in enumerate(topics)]  # fmt: skip
    n_responses = n_answers = 0
    for title, kind, area, facility in specs:
        opens = today - dt.timedelta(days=int(ctx.rng.integers(20, 340)))
        survey = Survey.objects.create(
            title=title, kind=kind, area=area, area_code=area.code, facility=facility,
            opens_on=opens, closes_on=opens + dt.timedelta(days=30), created_by=ctx.staff.get("district"),
        )  # fmt: skip
        questions = Question.objects.bulk_create(
            [
                Question(survey=survey, position=1, kind=QuestionKind.RATING, text="总体满意度", overall=True),
                Question(survey=survey, position=2, kind=QuestionKind.SINGLE, text="您多久使用一次？",
                         options=["每周多次", "每周一次", "每月一次", "很少"]),
                Question(survey=survey, position=3, kind=QuestionKind.MULTIPLE, text="您最需要哪些服务？",
                         options=["助餐", "健康", "文化活动", "托育", "法律咨询"]),
                Question(survey=survey, position=4, kind=QuestionKind.TEXT, text="意见和建议", required=False),
            ]
        )  # fmt: skip
        prefix = prefix_of(area.code)
        pool = [p for p in ctx.people if p.home_area_code.startswith(prefix)]
        respondents = [pool[int(i)] for i in ctx.rng.permutation(len(pool))[: int(ctx.rng.integers(30, 200))]]
        responses = SurveyResponse.objects.bulk_create(
            [SurveyResponse(survey=survey, respondent=p, area_code=p.home_area_code) for p in respondents]
        )
        answers = []
        for response in responses:
            base = int(ctx.rng.choice([5, 5, 4, 4, 4, 3, 2]))
            answers += [
                Answer(response=response, question=questions[0], rating=base),
                Answer(response=response, question=questions[1], choices=[int(ctx.rng.integers(4))]),
                Answer(response=response, question=questions[2],
                       choices=sorted({int(i) for i in ctx.rng.integers(5, size=int(ctx.rng.integers(1, 4)))})),
            ]  # fmt: skip
            if ctx.rng.random() < 0.3:
                answers.append(Answer(response=response, question=questions[3], text="希望服务时间更灵活。"))
            response.created_at = timezone.make_aware(
                dt.datetime.combine(opens + dt.timedelta(days=int(ctx.rng.integers(0, 30))), dt.time(12))
            )
        Answer.objects.bulk_create(answers, batch_size=2000)
        SurveyResponse.objects.bulk_update(responses, ["created_at"], batch_size=500)
        n_responses, n_answers = n_responses + len(responses), n_answers + len(answers)
    return {"surveys": len(specs), "survey_responses": n_responses, "survey_answers": n_answers}
