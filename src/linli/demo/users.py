"""The demo users, one per role, all with the password DEMO_PASSWORD."""

from __future__ import annotations

from linli.core.enums import Role
from linli.core.signin import SignInAccount, SignInHint, sign_in_hint_register

DEMO_PASSWORD = "linli2026"
DISTRICT = "990102000000"

# username, role, scope prefix, home area, display name, superuser
DEMO_USERS: tuple[tuple[str, Role, str, str, str, bool], ...] = (
    ("admin", Role.DISTRICT_ADMIN, "", "", "系统管理员", True),
    ("district", Role.DISTRICT_ADMIN, "990102", "", "区民政局 王科长", False),
    ("town", Role.TOWN_STAFF, "990102001", "", "街道工作人员 李主任", False),
    ("community", Role.COMMUNITY_STAFF, "990102001001", "", "社区工作人员 张敏", False),
    ("resident", Role.RESIDENT, "", "990102001001", "居民 陈阿姨", False),
    ("operator", Role.OPERATOR, "", "", "运营主体 邻安养老服务中心", False),
    ("leader", Role.ORG_LEADER, "", "990102001001", "三自组织负责人 刘老师", False),
    ("evaluator", Role.EVALUATOR, "990102", "", "第三方评估 周工", False),
    ("auditor", Role.AUDITOR, "990102", "", "审计 吴审计员", False),
)


def register_sign_in_hint() -> None:
    """Show the demo accounts and their password on the home page and in `linli serve`."""
    accounts = tuple(SignInAccount(username, role, scope) for username, role, scope, *_ in DEMO_USERS)
    sign_in_hint_register(SignInHint(password=DEMO_PASSWORD, accounts=accounts))
