"""The demo data `make run` loads (`manage.py seed_demo`). It sits on top of the layers, beside
web/: a demo that looks alive needs every layer below (the organisation, tickets, visits)."""
