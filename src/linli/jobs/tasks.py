"""huey tasks: the worker (`linli run_huey`) picks these up."""

from huey.contrib.djhuey import db_task

from linli.jobs.services import job_run


@db_task()
def run_job(job_id: str) -> None:
    job_run(job_id=job_id)
