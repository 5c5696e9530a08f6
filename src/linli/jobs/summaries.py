"""How each kind of job shows its result on a page: a labelled summary in the user's language with links,
never the raw result. Apps register theirs next to their handler (`@job_summary("kind")` in `jobs.py`);
a kind without one shows only the link to its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from linli.jobs.models import Job


@dataclass
class Summary:
    """Labelled values and links; both already in the user's language."""

    items: list[tuple[str, Any]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


SummaryFn = Callable[[dict[str, Any], Job], Summary]
_SUMMARIES: dict[str, SummaryFn] = {}


def job_summary(kind: str) -> Callable[[SummaryFn], SummaryFn]:
    """Register `fn(result, job) -> Summary` for jobs of `kind`."""

    def register(fn: SummaryFn) -> SummaryFn:
        _SUMMARIES[kind] = fn
        return fn

    return register


def has_summary(kind: str) -> bool:
    return kind in _SUMMARIES


def summary_of(job: Job) -> Summary | None:
    """The job's result as a summary, or None while it has none."""
    if not isinstance(job.result, dict):
        return None
    fn = _SUMMARIES.get(job.kind)
    summary = fn(job.result, job) if fn is not None else Summary()
    url = job.result.get("url")
    if url and not any(link == url for _label, link in summary.links):
        summary.links.append((_("See the result"), str(url)))
    return summary


def import_summary(result: dict[str, Any], job: Job) -> Summary:
    """The summary shared by the file imports (areas, registry): what was (or would be) created,
    updated, left unchanged."""
    preview = result.get("preview") or {}
    applied = job.params.get("mode") != "preview"
    items: list[tuple[str, Any]] = [(_("Source file"), result.get("source", ""))]
    if applied:
        items += [
            (_("Records created"), preview.get("create", 0)),
            (_("Records updated"), preview.get("update", 0)),
            (_("Unchanged"), preview.get("unchanged", 0)),
        ]
    else:
        items += [
            (_("To create"), preview.get("create", 0)),
            (_("To update"), preview.get("update", 0)),
            (_("Unchanged"), preview.get("unchanged", 0)),
        ]
    return Summary(items=items)
