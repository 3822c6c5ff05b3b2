"""Suggested routing: learned from confirmed history, versioned in storage, loaded once per
process, refusing to guess with too little history, never a 500 on a bad model file."""

from __future__ import annotations

import random

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from tickets.models import EventKind, Ticket, TicketEvent
from triage import routing
from triage.models import RoutingModel

from .conftest import draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process():  # type: ignore[no-untyped-def]
    routing.forget_loaded()
    yield
    routing.forget_loaded()
    for model in RoutingModel.objects.all():
        default_storage.delete(model.file)


def _triage(client, **body):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/triage/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_too_little_history_means_no_model_and_no_guess(world, api_as, history, settings):
    history(per_item=19)  # one short of the default 20 per item
    assert routing.routing_train() is None
    assert RoutingModel.objects.count() == 0
    body = _triage(api_as(world.company), title="车间停电", description="配电房跳闸")
    assert body == {"suggestions": [], "model": None, "reason": "no_model"}


def test_unconfirmed_and_returned_tickets_teach_nothing(world, history):
    history(per_item=25, accepted=False)
    assert routing.training_rows() == []
    history(per_item=20)
    returned = Ticket.objects.filter(accepted_at__isnull=False).first()
    TicketEvent.objects.create(ticket=returned, kind=EventKind.RETURNED, created_at=returned.created_at)
    codes = [code for _, _, code in routing.training_rows()]
    assert len(codes) == 59
    # one item fell under 20 confirmed tickets: the model leaves it out
    model = routing.routing_train()
    assert model is not None and len(model.items) == 2


def test_a_trained_model_suggests_the_right_item_first(world, api_as, history, django_assert_max_num_queries):
    items = history(per_item=25)
    model = routing.routing_train()
    assert model is not None and model.version == 1 and model.tickets == 75
    assert sorted(model.items) == ["permit", "power", "water"]
    assert default_storage.exists(model.file)
    assert model.holdout_top1 is not None and model.holdout_top1 >= 0.8
    client = api_as(world.company)
    body = _triage(client, title="变压器跳闸", description="车间断电，影响生产")
    assert body["model"]["version"] == 1 and body["model"]["tickets"] == 75 and body["reason"] == ""
    best = body["suggestions"][0]
    assert best["service_item"] == "power" and best["department"] == items["power"].department_id
    assert 0 < best["confidence"] <= 1
    assert len(body["suggestions"]) <= 3
    assert [s["confidence"] for s in body["suggestions"]] == sorted(
        (s["confidence"] for s in body["suggestions"]), reverse=True
    )
    with django_assert_max_num_queries(4):
        assert _triage(client, title="水管爆裂", description="自来水停水")["suggestions"][0]["service_item"] == "water"


def test_empty_or_one_character_text_gets_an_empty_list(world, api_as, history):
    history(per_item=20)
    routing.routing_train()
    client = api_as(world.company)
    assert _triage(client, title="", description="")["suggestions"] == []
    assert _triage(client, title="电")["suggestions"] == []
    assert _triage(client)["reason"] == "too_short"
    assert client.post("/api/v1/triage/", {"title": "x" * 201}, format="json").status_code == 400
    assert client.post("/api/v1/triage/", "[]", content_type="application/json").status_code == 400


def test_the_model_is_loaded_once_per_process_and_again_for_a_new_version(world, history, monkeypatch):
    history(per_item=20)
    routing.routing_train()
    loads = []
    real = default_storage.open
    monkeypatch.setattr(default_storage, "open", lambda *a, **k: loads.append(a[0]) or real(*a, **k))
    routing.suggest("停电", "跳闸")
    routing.suggest("停水", "水压不足")
    assert len(loads) == 1
    second = routing.routing_train()
    assert second is not None and second.version == 2
    routing.suggest("停电", "跳闸")
    assert len(loads) == 2 and loads[1] == second.file


def test_a_missing_or_corrupt_file_means_no_suggestions_and_is_reported(world, api_as, client, history):
    from django.core.management import call_command as run

    history(per_item=20)
    model = routing.routing_train()
    assert model is not None
    with default_storage.open(model.file, "wb") as handle:
        handle.write(b"not a model")
    routing.forget_loaded()
    body = _triage(api_as(world.company), title="车间停电", description="配电房跳闸")
    assert body["suggestions"] == [] and body["reason"] == "model_corrupt"
    ready = client.get("/readyz").json()
    assert ready["details"]["routing_model"]["status"] == "model_corrupt"
    from triage.checks import routing_model_readable

    assert [m.id for m in routing_model_readable()] == ["triage.W001"]
    default_storage.delete(model.file)
    routing.forget_loaded()
    assert _triage(api_as(world.company), title="车间停电")["reason"] == "model_missing"
    # a new version heals it
    run("triage_train", verbosity=0)
    assert _triage(api_as(world.company), title="车间停电", description="跳闸")["suggestions"]


def test_old_versions_are_pruned(world, history):
    history(per_item=20)
    for _ in range(routing.KEEP_VERSIONS + 2):
        routing.routing_train(evaluate_first=False)
    versions = list(RoutingModel.objects.values_list("version", flat=True))
    assert versions == list(range(routing.KEEP_VERSIONS + 2, 2, -1))
    assert not default_storage.exists("triage/routing-v1.joblib")


def test_the_nightly_task_is_scheduled_and_trains(world, history, settings):
    from triage.tasks import routing_retrain

    assert settings.CELERY_BEAT_SCHEDULE["routing-retrain"]["task"] == "triage.tasks.routing_retrain"
    assert routing_retrain() is None
    history(per_item=20)
    assert routing_retrain() == 1


def test_the_hold_out_is_time_ordered(world, history):
    history(per_item=30)
    rows = routing.training_rows()
    figures = routing.evaluate(rows)
    assert figures is not None and figures.test == 18 and figures.train == 72
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_the_command_prints_the_figures(world, history, capsys):
    call_command("triage_train", "--evaluate-only")
    assert "too little history" in capsys.readouterr().out
    history(per_item=25)
    call_command("triage_train", "--evaluate-only")
    assert "top-1" in capsys.readouterr().out
    call_command("triage_train")
    assert "routing model v1" in capsys.readouterr().out


def test_draft_generator_is_deterministic():
    assert draft(random.Random(1), "power") == draft(random.Random(1), "power")
