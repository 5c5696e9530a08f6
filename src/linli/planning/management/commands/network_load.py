"""`linli network_load --area CODE FILE.osm.pbf`: the walking network of an OSM extract for an area."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import ApplicationError
from linli.planning.networks import network_load_pbf


class Command(BaseCommand):
    help = "Load the walking network of an OpenStreetMap extract (.osm.pbf) for an area."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--area", required=True, help="12-digit code of the area the network serves")
        parser.add_argument("--name", default="OpenStreetMap walking network")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            network = network_load_pbf(
                actor=None, area_code=options["area"], path=options["file"], name=options["name"]
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"{network.name}: {network.nodes} nodes, {network.edges} edges"))
