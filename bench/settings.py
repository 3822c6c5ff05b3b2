"""The settings gunicorn runs with under bench/run.py: the project's, plus the floor endpoint's
URLconf. Nothing else differs, so the numbers are the production code paths."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
