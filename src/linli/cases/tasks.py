"""huey periodic task: escalate overdue requests every 10 minutes (the worker runs it)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.cases.services import requests_escalate_overdue


@db_periodic_task(crontab(minute="*/10"))
def escalate_overdue() -> int:
    return len(requests_escalate_overdue())
