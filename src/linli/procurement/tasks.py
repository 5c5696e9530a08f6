"""huey periodic task: every night, the KPI observations of the current and the previous month."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.procurement.services import kpi_compute


@db_periodic_task(crontab(minute="30", hour="1"))
def kpi_compute_nightly() -> int:
    today = timezone.localdate()
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return kpi_compute(month=previous) + kpi_compute(month=today)
