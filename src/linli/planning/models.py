"""Walking networks that planning runs on. The arrays live in a compressed .npz file in the data
directory (they are numerical data for the engine, not rows); the record says what and where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import TimeStampedModel


class Network(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("synthetic:<seed>, or an OSM PBF file name"))
    nodes = models.PositiveIntegerField(_("nodes"))
    edges = models.PositiveIntegerField(_("edges"))
    file = models.CharField(_("array file"), max_length=300, help_text=_("relative to the data directory"))
    ways_file = models.CharField(_("drawing file (GeoJSON)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("walking network")
        verbose_name_plural = _("walking networks")
        constraints = [models.UniqueConstraint(fields=["area_code", "name"], name="network_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.nodes} nodes)"
