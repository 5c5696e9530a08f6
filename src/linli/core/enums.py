from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Who a user is in linli. Staff roles carry an area scope (a prefix of the 12-digit area code)."""

    RESIDENT = "resident", _("Resident (居民)")
    COMMUNITY_STAFF = "community_staff", _("Community / village staff (社区、村工作人员)")
    TOWN_STAFF = "town_staff", _("Sub-district / town staff (街道、乡镇工作人员)")
    DISTRICT_ADMIN = "district_admin", _("District administrator (区级管理员)")
    OPERATOR = "operator", _("Operator (运营主体)")
    ORG_LEADER = "org_leader", _("Organisation leader (三自组织负责人)")
    EVALUATOR = "evaluator", _("Third-party evaluator (第三方评估)")
    AUDITOR = "auditor", _("Auditor (审计)")


class AuditAction(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")
    LOGIN_FAILED = "login_failed", _("failed login")
    REVOKE = "revoke", _("revoke")
