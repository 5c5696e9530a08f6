"""huey periodic task: take the day's indicator snapshot every night (the worker runs it)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.indicators.services import snapshot_take


@db_periodic_task(crontab(minute="30", hour="1"))
def indicators_snapshot() -> int:
    return snapshot_take()
