"""Running the desk on more than one of everything: the beat lease (one beat ticks, the
others wait to take over), the read-replica router, Redis Sentinel URLs, PgBouncer-safe
database settings.

It knows nothing of the desk: it imports only Django, Celery, psycopg and redis-py, and
`config/settings.py` wires it in. Every layer may use it (it is the lowest, beside
`textsearch`)."""
