"""WSGI entry point: `granian --interface wsgi linli.config.wsgi:application` (what `linli serve` runs)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.config.settings")
application = get_wsgi_application()
