"""Every admin page opens for an administrator, and the records that change only through
the services (with their audit events) cannot be added or edited there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(("model", "model_admin"), MODELS, ids=[m._meta.label for m, _ in MODELS])
def test_changelist_opens_and_add_is_allowed_only_where_it_should_be(client, model, model_admin):
    # given an administrator
    client.force_login(AdminFactory())
    opts = model._meta
    # when the list opens, then it answers 200
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    # and the add page exists exactly when the admin allows adding
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    request = response.wsgi_request
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize("label", ["tickets.Ticket", "tickets.TicketEvent", "tickets.Escalation", "tickets.Rating"])
def test_audit_records_are_read_only_in_the_admin(rf, label):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    request = rf.get("/")
    request.user = AdminFactory()
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
