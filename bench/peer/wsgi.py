"""The peer's WSGI application for gunicorn (bench/peer_run.py starts it in the peer's venv)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
application = get_wsgi_application()
