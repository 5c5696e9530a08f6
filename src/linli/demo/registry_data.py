"""The demo registry's data tables: where each facility type goes and how many, sizes, names and addresses,
opening-hour profiles, operators (companies, social organisations, public institutions, departments) and
their operation models, and the few small helpers the tables need. `linli.demo.registry` builds from them."""

from __future__ import annotations

import numpy as np

from linli.facilities.enums import ConstructionStatus, OperationModel, OperatorKind

Status = ConstructionStatus
Model = OperationModel

# Where each type is placed and how many per area on average: "sub" sub-district (街道), "town" rural town
# (镇), "community" (社区), "village" (村). A fraction is a chance: 0.8 means four areas in five have one.
PLAN: tuple[tuple[str, str, float], ...] = (
    ("chc", "sub", 1.0),
    ("party-mass-subdistrict", "sub", 1.0),
    ("subdistrict-office", "sub", 1.0),
    ("judicial-office", "sub", 1.0),
    ("police-station", "sub", 1.0),
    ("subdistrict-service-centre", "sub", 0.75),
    ("nc-district", "sub", 0.85),
    ("culture-centre", "sub", 0.9),
    ("junior-middle-school", "sub", 1.5),
    ("nursing-home", "sub", 0.75),
    ("care-home", "sub", 0.4),
    ("outpatient", "sub", 1.2),
    ("multi-sport-large", "sub", 0.6),
    ("gymnasium", "sub", 0.25),
    ("sports-park-a", "sub", 0.6),
    ("township-health-centre", "town", 1.0),
    ("party-mass-subdistrict", "town", 1.0),
    ("judicial-office", "town", 1.0),
    ("police-station", "town", 1.0),
    ("culture-centre", "town", 1.0),
    ("junior-middle-school", "town", 1.0),
    ("primary-school", "town", 1.5),
    ("kindergarten", "town", 1.5),
    ("nursing-home", "town", 1.0),
    ("fresh-market", "town", 1.0),
    ("refuse-station", "town", 1.0),
    ("public-toilet", "town", 1.0),
    ("party-mass-community", "community", 1.0),
    ("nc-community", "community", 0.8),
    ("community-service-station", "community", 0.35),
    ("elderly-centre", "community", 0.5),
    ("elderly-station", "community", 1.3),
    ("day-care", "community", 0.35),
    ("family-care-bed", "community", 0.5),
    ("chs", "community", 0.6),
    ("culture-station", "community", 0.7),
    ("childcare", "community", 0.4),
    ("kindergarten", "community", 0.9),
    ("primary-school", "community", 0.45),
    ("nc-estate", "community", 0.3),
    ("sports-park-b", "community", 0.2),
    ("sports-park-c", "community", 0.35),
    ("multi-sport-medium", "community", 0.25),
    ("multi-sport-small", "community", 0.35),
    ("outdoor-fitness", "community", 0.6),
    ("fresh-market", "community", 0.4),
    ("shops", "community", 0.2),
    ("recycling-point", "community", 0.2),
    ("refuse-station", "community", 0.25),
    ("public-toilet", "community", 0.25),
    ("party-mass-community", "village", 1.0),
    ("rural-centre", "village", 0.85),
    ("village-clinic", "village", 0.88),
    ("rural-home-help", "village", 0.6),
    ("rural-mutual-aid", "village", 0.2),
    ("rural-small-care", "village", 0.1),
    ("culture-station", "village", 0.45),
    ("outdoor-fitness", "village", 0.45),
)
CENTRAL = {
    "nc-district",
    "nc-community",
    "rural-centre",
    "party-mass-subdistrict",
    "party-mass-community",
    "subdistrict-office",
    "subdistrict-service-centre",
    "chc",
    "chs",
    "township-health-centre",
    "village-clinic",
    "elderly-centre",
    "culture-centre",
}
# Types whose construction is under way in many places: more of them are planned or being built.
PIPELINE = {
    "nc-district",
    "nc-community",
    "nc-estate",
    "rural-centre",
    "sports-park-a",
    "sports-park-b",
    "sports-park-c",
    "elderly-centre",
    "elderly-station",
    "day-care",
    "family-care-bed",
    "rural-mutual-aid",
    "rural-small-care",
    "rural-home-help",
    "care-home",
    "childcare",
    "chs",
    "village-clinic",
}
# Registered users are compared with capacity for these: many run over.
CROWDED = {
    "elderly-centre",
    "elderly-station",
    "day-care",
    "rural-mutual-aid",
    "rural-small-care",
    "rural-home-help",
    "childcare",
    "kindergarten",
}
ENROLLED = {"primary-school", "junior-middle-school", "nursing-home", "care-home"}

# floor area m² (site area for open grounds), capacity, beds, staff: (low, high) or None.
Range = tuple[int, int] | None
SIZES: dict[str, tuple[Range, Range, Range, Range]] = {
    "nc-district": ((1200, 4000), (150, 500), None, (6, 20)),
    "nc-community": ((450, 1200), (60, 200), None, (3, 10)),
    "nc-estate": ((120, 400), (30, 80), None, (1, 4)),
    "rural-centre": ((220, 800), (50, 150), None, (2, 6)),
    "sports-park-a": ((8000, 20000), (300, 800), None, (4, 12)),
    "sports-park-b": ((3000, 8000), (150, 300), None, (2, 6)),
    "sports-park-c": ((800, 3000), (50, 150), None, (1, 3)),
    "elderly-centre": ((600, 1500), (40, 120), (10, 40), (6, 20)),
    "elderly-station": ((150, 400), (15, 40), None, (1, 4)),
    "family-care-bed": (None, None, (10, 60), (2, 8)),
    "rural-mutual-aid": ((180, 600), (15, 40), (8, 30), (2, 5)),
    "rural-small-care": ((150, 400), (10, 25), (6, 20), (2, 5)),
    "rural-home-help": ((30, 120), (10, 30), None, (1, 2)),
    "nursing-home": ((3000, 12000), (100, 400), (100, 400), (30, 120)),
    "care-home": ((4000, 15000), (150, 500), (150, 500), (50, 180)),
    "day-care": ((300, 900), (20, 60), None, (3, 8)),
    "chc": ((900, 4000), (200, 600), (10, 40), (30, 90)),
    "chs": ((120, 400), (20, 60), None, (3, 10)),
    "township-health-centre": ((1500, 5000), (150, 400), (20, 60), (25, 70)),
    "village-clinic": ((50, 150), (5, 15), None, (1, 3)),
    "outpatient": ((300, 1500), (30, 120), None, (8, 30)),
    "culture-centre": ((2000, 6000), (200, 800), None, (5, 15)),
    "culture-station": ((100, 400), (30, 100), None, (1, 3)),
    "childcare": ((300, 1000), (40, 120), None, (8, 25)),
    "kindergarten": ((2000, 6000), (180, 540), None, (20, 60)),
    "primary-school": ((8000, 25000), (900, 2400), None, (60, 160)),
    "junior-middle-school": ((12000, 30000), (1000, 2000), None, (80, 180)),
    "party-mass-subdistrict": ((1000, 3000), (100, 300), None, (15, 40)),
    "party-mass-community": ((250, 1000), (30, 100), None, (3, 10)),
    "subdistrict-service-centre": ((1500, 4000), (150, 400), None, (8, 20)),
    "community-service-station": ((100, 300), (20, 60), None, (2, 5)),
    "subdistrict-office": ((3000, 8000), None, None, (60, 150)),
    "judicial-office": ((200, 600), None, None, (3, 8)),
    "police-station": ((1500, 4000), None, None, (30, 80)),
    "multi-sport-large": ((10000, 20000), (300, 800), None, (3, 8)),
    "multi-sport-medium": ((3000, 6000), (100, 300), None, (1, 4)),
    "multi-sport-small": ((800, 1500), (40, 100), None, (0, 2)),
    "outdoor-fitness": ((200, 800), (20, 60), None, (0, 1)),
    "gymnasium": ((8000, 20000), (1000, 4000), None, (20, 60)),
    "fresh-market": ((1500, 4000), None, None, (10, 40)),
    "shops": ((300, 2000), None, None, (3, 15)),
    "recycling-point": ((20, 80), None, None, (1, 2)),
    "refuse-station": ((80, 300), None, None, (2, 6)),
    "public-toilet": ((40, 120), None, None, (1, 2)),
}

# Facility names: {town} the sub-district or town, {tstem} its name without 街道/镇, {leaf} the community
# or village, {stem} its name without 社区/村, {estate} a residential estate of it.
NAMES = {
    "nc-district": "{tstem}片区邻里中心",
    "nc-community": "{leaf}邻里中心",
    "nc-estate": "{estate}邻里中心",
    "rural-centre": "{leaf}乡里中心",
    "sports-park-a": "{tstem}体育公园",
    "sports-park-b": "{stem}社区体育公园",
    "sports-park-c": "{estate}口袋体育公园",
    "elderly-centre": "{leaf}养老服务中心",
    "elderly-station": "{estate}养老服务站",
    "family-care-bed": "{leaf}家庭养老床位服务点",
    "rural-mutual-aid": "{leaf}集中互助养老服务站",
    "rural-small-care": "{leaf}小型集中养老服务点",
    "rural-home-help": "{leaf}居家助老服务点",
    "nursing-home": "{town}养老院",
    "care-home": "{tstem}老年养护院",
    "day-care": "{leaf}老年人日间照料中心",
    "chc": "{town}社区卫生服务中心",
    "chs": "{stem}社区卫生服务站",
    "township-health-centre": "{town}卫生院",
    "village-clinic": "{leaf}卫生室",
    "outpatient": "{stem}康宁门诊部",
    "culture-centre": "{town}文化活动中心",
    "culture-station": "{leaf}文化活动站",
    "childcare": "{stem}童心托育园",
    "kindergarten": "{stem}幼儿园",
    "primary-school": "{stem}小学",
    "junior-middle-school": "{stem}中学",
    "party-mass-subdistrict": "{town}党群服务中心",
    "party-mass-community": "{leaf}党群服务中心",
    "subdistrict-service-centre": "{town}社区服务中心",
    "community-service-station": "{stem}社区服务站",
    "subdistrict-office": "{town}办事处",
    "judicial-office": "{tstem}司法所",
    "police-station": "{tstem}派出所",
    "multi-sport-large": "{tstem}体育场",
    "multi-sport-medium": "{stem}多功能运动场",
    "multi-sport-small": "{estate}多功能运动场",
    "outdoor-fitness": "{stem}全民健身广场",
    "gymnasium": "{tstem}体育馆",
    "fresh-market": "{stem}农贸市场",
    "shops": "{stem}邻里商业街",
    "recycling-point": "{stem}再生资源回收点",
    "refuse-station": "{stem}垃圾收集站",
    "public-toilet": "{stem}公厕",
}
ESTATE_SUFFIXES = ("花园", "家园", "东苑", "西苑", "南苑", "北苑", "公寓", "名邸", "雅苑", "一区", "二区", "三区")
VILLAGE_PARTS = ("东片", "西片", "南片", "北片", "上组", "下组", "新村")
ROADS = (
    "春晖 望湖 文澜 学士 建设 人民 和平 新华 复兴 振兴 育才 康宁 长青 锦绣 兴业 迎宾 光明 同心 朝阳 明德 致远 安居 丰乐"
)
ROAD_KINDS = ("路", "路", "街", "大道", "巷")

# Opening hours: profile -> ((weekdays, ((opens, closes), ...)), ...); 0 is Monday.
WEEK = (0, 1, 2, 3, 4, 5, 6)
MON_FRI = (0, 1, 2, 3, 4)
HOURS: dict[str, tuple[tuple[tuple[int, ...], tuple[tuple[str, str], ...]], ...]] = {
    "centre": (((1, 2, 3, 4, 5, 6), (("08:30", "11:30"), ("14:00", "20:30"))),),
    "office": ((MON_FRI, (("08:30", "12:00"), ("13:30", "17:30"))),),
    "clinic": ((MON_FRI, (("08:00", "11:30"), ("13:30", "17:00"))), ((5, 6), (("08:00", "11:30"),))),
    "station": (((0, 1, 2, 3, 4, 5), (("08:00", "11:30"), ("14:00", "17:00"))),),
    "elderly": ((WEEK, (("07:30", "18:00"),)),),
    "daycare": ((MON_FRI, (("07:30", "17:30"),)),),
    "residential": ((WEEK, (("00:00", "23:59"),)),),
    "school": ((MON_FRI, (("07:30", "17:00"),)),),
    "outdoor": ((WEEK, (("06:00", "22:00"),)),),
    "culture": (((1, 2, 3, 4, 5, 6), (("09:00", "11:30"), ("14:00", "17:00"), ("19:00", "21:00"))),),
    "market": ((WEEK, (("06:00", "19:00"),)),),
    "shop": ((WEEK, (("08:00", "21:00"),)),),
    "toilet": ((WEEK, (("05:00", "23:00"),)),),
    "service": ((WEEK, (("08:00", "18:00"),)),),
    "gym": ((WEEK, (("09:00", "21:30"),)),),
}
TYPE_HOURS = {
    "nc-district": "centre",
    "nc-community": "centre",
    "nc-estate": "centre",
    "rural-centre": "centre",
    "sports-park-a": "gym",
    "sports-park-b": "outdoor",
    "sports-park-c": "outdoor",
    "elderly-centre": "elderly",
    "elderly-station": "elderly",
    "family-care-bed": "service",
    "rural-mutual-aid": "elderly",
    "rural-small-care": "residential",
    "rural-home-help": "service",
    "nursing-home": "residential",
    "care-home": "residential",
    "day-care": "daycare",
    "chc": "clinic",
    "chs": "station",
    "township-health-centre": "clinic",
    "village-clinic": "station",
    "outpatient": "clinic",
    "culture-centre": "culture",
    "culture-station": "culture",
    "childcare": "daycare",
    "kindergarten": "school",
    "primary-school": "school",
    "junior-middle-school": "school",
    "party-mass-subdistrict": "office",
    "party-mass-community": "office",
    "subdistrict-service-centre": "office",
    "community-service-station": "office",
    "subdistrict-office": "office",
    "judicial-office": "office",
    "police-station": "residential",
    "multi-sport-large": "outdoor",
    "multi-sport-medium": "outdoor",
    "multi-sport-small": "outdoor",
    "outdoor-fitness": "outdoor",
    "gymnasium": "gym",
    "fresh-market": "market",
    "shops": "shop",
    "recycling-point": "station",
    "refuse-station": "toilet",
    "public-toilet": "toilet",
}
HOLIDAY_CLOSED = {"office", "school", "daycare"}

# Operators. Companies (企业) and social organisations (社会组织: 1 社会团体, 2 民办非企业单位) by the
# field they work in; public institutions (事业单位) and government departments by field.
COMPANIES = (
    ("示范市邻安养老服务有限公司", "elderly"),
    ("示范市福寿康护理服务有限公司", "elderly"),
    ("示范市禾润餐饮管理有限公司", "elderly"),
    ("示范市康颐健康管理有限公司", "health"),
    ("示范市仁和医疗管理有限公司", "health"),
    ("示范市乐活体育发展有限公司", "sports"),
    ("示范市悦动体育场馆运营有限公司", "sports"),
    ("示范市童心托育服务有限公司", "education"),
    ("示范市博雅教育科技有限公司", "education"),
    ("示范市智联社区服务有限公司", "centre"),
    ("示范市邻里汇商业管理有限公司", "centre"),
    ("示范市鲜丰农贸市场管理有限公司", "commerce"),
    ("示范市绿源环境服务有限公司", "municipal"),
    ("示范市乡悦文旅发展有限公司", "rural"),
)
SOCIAL_ORGS = (
    ("邻里区乐龄社会工作服务中心", "elderly", "2"),
    ("邻里区康馨居家养老服务中心", "elderly", "2"),
    ("邻里区夕阳红志愿服务协会", "elderly", "1"),
    ("邻里区阳光助残服务社", "elderly", "2"),
    ("邻里区心桥心理健康服务中心", "health", "2"),
    ("邻里区邻里文化促进会", "culture", "1"),
    ("邻里区书画艺术协会", "culture", "1"),
    ("邻里区老年体育协会", "sports", "1"),
    ("邻里区春苗青少年服务中心", "education", "2"),
    ("邻里区天使托育服务中心", "education", "2"),
    ("邻里区益家社区发展中心", "centre", "2"),
    ("邻里区和美邻里服务中心", "centre", "2"),
    ("邻里区乡村振兴服务中心", "rural", "2"),
    ("邻里区法律服务志愿者协会", "government", "1"),
)
GRADES = ("5A", "4A", "3A", "2A", "1A")
GRADE_WEIGHTS = (0.1, 0.25, 0.35, 0.15, 0.05)  # the remaining 0.1 are not graded
INSTITUTIONS = (
    ("邻里区社会福利院", "elderly"),
    ("邻里区文化馆", "culture"),
    ("邻里区图书馆", "library"),
    ("邻里区体育发展中心", "sports"),
    ("邻里区人民医院", "health"),
)
DEPARTMENTS = (
    ("邻里区民政局", "elderly"),
    ("邻里区卫生健康局", "health"),
    ("邻里区教育局", "education"),
    ("邻里区文化和广电旅游体育局", "culture"),
    ("邻里区司法局", "justice"),
    ("示范市公安局邻里分局", "police"),
    ("邻里区综合行政执法局", "municipal"),
)
# Credit code: registration authority and category (GB 32100-2015).
CREDIT_PREFIX = {
    OperatorKind.COMPANY: "91",
    OperatorKind.PUBLIC_INSTITUTION: "12",
    OperatorKind.GOVERNMENT: "11",
    OperatorKind.COMMUNITY: "54",
}
FIELD_OF_FAMILY = {
    "neighbourhood_centre": "centre",
    "rural_centre": "rural",
    "sports_park": "sports",
    "sports": "sports",
    "elderly_care": "elderly",
    "health": "health",
    "culture": "culture",
    "education": "education",
    "government": "government",
    "commerce": "commerce",
    "municipal": "municipal",
}
# Operation model mixes: urban and rural facilities of a family, and some types of their own.
MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "neighbourhood_centre": (
        (Model.GOVERNMENT, 0.45),
        (Model.PURCHASE, 0.25),
        (Model.PUBLIC_PRIVATE, 0.2),
        (Model.MARKET, 0.1),
    ),
    "rural_centre": ((Model.GOVERNMENT, 0.8), (Model.PURCHASE, 0.15), (Model.PUBLIC_PRIVATE, 0.05)),
    "elderly_care": (
        (Model.GOVERNMENT, 0.2),
        (Model.PUBLIC_PRIVATE, 0.35),
        (Model.PURCHASE, 0.35),
        (Model.MARKET, 0.1),
    ),
    "elderly_care/rural": ((Model.GOVERNMENT, 0.7), (Model.PURCHASE, 0.25), (Model.PUBLIC_PRIVATE, 0.05)),
    "family-care-bed": ((Model.PURCHASE, 0.6), (Model.PUBLIC_PRIVATE, 0.4)),
    "sports_park": ((Model.GOVERNMENT, 0.4), (Model.PUBLIC_PRIVATE, 0.4), (Model.MARKET, 0.2)),
    "sports": ((Model.GOVERNMENT, 0.6), (Model.PUBLIC_PRIVATE, 0.3), (Model.MARKET, 0.1)),
    "culture": ((Model.GOVERNMENT, 0.6), (Model.PURCHASE, 0.4)),
    "kindergarten": ((Model.GOVERNMENT, 0.6), (Model.MARKET, 0.25), (Model.PUBLIC_PRIVATE, 0.15)),
    "childcare": ((Model.MARKET, 0.5), (Model.PURCHASE, 0.3), (Model.PUBLIC_PRIVATE, 0.2)),
    "outpatient": ((Model.MARKET, 1.0),),
    "commerce": ((Model.MARKET, 1.0),),
    "municipal": ((Model.GOVERNMENT, 0.6), (Model.PURCHASE, 0.4)),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗沈俞钱楼"
GIVEN = (
    "建国",
    "秀英",
    "丽华",
    "志强",
    "海燕",
    "伟",
    "敏",
    "静",
    "磊",
    "婷",
    "晓东",
    "红梅",
    "国庆",
    "春燕",
    "俊杰",
    "雪梅",
)
CLOSURE_REASONS = ("设备检修", "内部培训", "消防演练", "场地消杀", "电力线路改造")
OPTIONAL_SHARE = {
    "neighbourhood_centre": 0.5,
    "rural_centre": 0.45,
    "elderly_care": 0.7,
    "health": 0.85,
    "education": 0.85,
    "government": 0.5,
}
DAY_NAMES = "一二三四五六日"
ORDINALS = "一二三四"


def rng_range(rng: np.random.Generator, bounds: Range, step: int = 1) -> int | None:
    if bounds is None:
        return None
    low, high = bounds
    return int(rng.integers(low // step, high // step + 1)) * step


def name_stem(name: str) -> str:
    for suffix in ("街道", "社区", "镇", "村"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def clock_text(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def clock_minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


OPEN_DAYS = {profile: sorted({day for days, _spans in rules for day in days}) for profile, rules in HOURS.items()}
SPANS = {
    profile: sorted(
        {(clock_minutes(opens), clock_minutes(closes)) for _days, spans in rules for opens, closes in spans}
    )
    for profile, rules in HOURS.items()
}
