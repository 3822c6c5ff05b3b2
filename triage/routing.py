"""Suggested routing (智能派单): rank the catalogue's service items for a draft ticket.

A linear model (scikit-learn's logistic regression over TF-IDF of jieba words and of
single characters and character pairs) learns from the zone's own history: tickets whose
service item was confirmed — accepted or resolved under it — and never handed back (退单:
the item was wrong, so the ticket teaches nothing about it). Items with fewer than
`TRIAGE_MIN_TICKETS_PER_ITEM` such tickets are left out; with fewer than two items left
there is no model, and the desk says so instead of guessing.

`routing_train()` fits a model, measures it on a time-ordered hold-out (trained on the
older 80 %, tested on the newest 20 %), then refits on everything and stores the pipeline
in Django's storage as a new version (the `RoutingModel` row). `suggest()` loads the newest
version once per process and ranks; a missing or corrupt file means no suggestions (and
`routing_status()` says why, for /readyz and the system check), never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Substr

import textsearch
from servicedesk import clock
from servicedesk.models import ServiceItem
from tickets.models import EventKind, Ticket, TicketEvent

from .models import RoutingModel

log = logging.getLogger(__name__)

MIN_ITEMS = 2
MIN_TEXT = 2
TOP = 3
MIN_CONFIDENCE = 0.05
"""A suggestion less likely than this is not shown."""
HOLDOUT_SHARE = 0.2
KEEP_VERSIONS = 5
DESCRIPTION_CHARS = 2000


def min_tickets_per_item() -> int:
    return int(getattr(settings, "TRIAGE_MIN_TICKETS_PER_ITEM", 20))


# --- the history -----------------------------------------------------------------------------


def text_of(title: str, description: str) -> str:
    return f"{title}\n{description[:DESCRIPTION_CHARS]}"


def training_rows(*, until: datetime | None = None) -> list[tuple[datetime, str, str]]:
    """(created_at, text, service item code) of every ticket whose item was confirmed:
    accepted or resolved under it, never returned (退单), oldest first."""
    returned = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.RETURNED)
    qs = (
        Ticket.objects.filter(accepted_at__isnull=False)
        .exclude(Exists(returned))
        .annotate(head=Substr("description", 1, DESCRIPTION_CHARS))
        .order_by("created_at", "id")
    )
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return [
        (created, text_of(title, head), code)
        for created, title, head, code in qs.values_list("created_at", "title", "head", "service_item__code").iterator(
            chunk_size=5000
        )
    ]


def eligible(labels: list[str]) -> set[str]:
    """The items with enough confirmed tickets to learn from."""
    counts = Counter(labels)
    return {code for code, n in counts.items() if n >= min_tickets_per_item()}


# --- the model -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The model's word features: textsearch's jieba words (search mode)."""
    return textsearch.tokens(text)


def make_pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(C=10.0, max_iter=2000))])


def fit(texts: list[str], labels: list[str]) -> Any:
    pipeline = make_pipeline()
    pipeline.fit(texts, labels)
    return pipeline


def ranked(pipeline: Any, text: str) -> list[tuple[str, float]]:
    """(item code, probability) for every item the model knows, most likely first."""
    probabilities = pipeline.predict_proba([text])[0]
    classes = pipeline.classes_
    order = sorted(range(len(classes)), key=lambda i: -probabilities[i])
    return [(str(classes[i]), float(probabilities[i])) for i in order]


@dataclass
class Evaluation:
    train: int
    test: int
    top1: float
    top3: float
    items: int
    per_item: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (right at top 1, tested)


def evaluate(rows: list[tuple[datetime, str, str]], *, holdout_share: float = HOLDOUT_SHARE) -> Evaluation | None:
    """Top-1 and top-3 accuracy on a time-ordered hold-out: fitted on the older tickets,
    tested on the newest `holdout_share` of them (only items the training part knows).
    None when the older part is too little history for a model."""
    if len(rows) < 10:
        return None
    cut = int(len(rows) * (1 - holdout_share))
    train, test = rows[:cut], rows[cut:]
    labels = [code for _, _, code in train]
    known = eligible(labels)
    if len(known) < MIN_ITEMS:
        return None
    train = [r for r in train if r[2] in known]
    test = [r for r in test if r[2] in known]
    if not test:
        return None
    pipeline = fit([t for _, t, _ in train], [c for _, _, c in train])
    probabilities = pipeline.predict_proba([t for _, t, _ in test])
    classes = list(pipeline.classes_)
    top1 = top3 = 0
    per_item: dict[str, tuple[int, int]] = {}
    for (_, _, code), row in zip(test, probabilities, strict=True):
        order = sorted(range(len(classes)), key=lambda i: -row[i])
        best = [classes[i] for i in order[:TOP]]
        hit1 = best[0] == code
        top1 += hit1
        top3 += code in best
        right, tested = per_item.get(code, (0, 0))
        per_item[code] = (right + hit1, tested + 1)
    return Evaluation(
        train=len(train),
        test=len(test),
        top1=top1 / len(test),
        top3=top3 / len(test),
        items=len(known),
        per_item=per_item,
    )


def routing_train(*, evaluate_first: bool = True) -> RoutingModel | None:
    """Fit a model on the whole confirmed history and store it as a new version; None (and
    nothing stored) when the history is too little. Safe to run twice."""
    import joblib

    rows = training_rows()
    known = eligible([code for _, _, code in rows])
    if len(known) < MIN_ITEMS:
        log.info("routing: too little history (%d items with %d+ tickets)", len(known), min_tickets_per_item())
        return None
    figures = evaluate(rows) if evaluate_first else None
    rows = [r for r in rows if r[2] in known]
    pipeline = fit([t for _, t, _ in rows], [c for _, _, c in rows])
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    content = buffer.getvalue()
    last = RoutingModel.objects.order_by("-version").values_list("version", flat=True).first() or 0
    version = last + 1
    name = default_storage.save(f"triage/routing-v{version}.joblib", ContentFile(content))
    model = RoutingModel.objects.create(
        version=version,
        trained_at=clock.now(),
        tickets=len(rows),
        items=sorted(known),
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        holdout_top1=figures.top1 if figures else None,
        holdout_top3=figures.top3 if figures else None,
        holdout_tickets=figures.test if figures else 0,
    )
    _prune()
    return model


def _prune() -> None:
    """Keep the newest `KEEP_VERSIONS` models and their files."""
    for old in RoutingModel.objects.order_by("-version")[KEEP_VERSIONS:]:
        with contextlib.suppress(OSError):  # a file already gone
            default_storage.delete(old.file)
        old.delete()


# --- using it ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    service_item: str
    name: str
    department: int
    department_name: str
    confidence: float


@dataclass(frozen=True)
class Suggestions:
    suggestions: list[Suggestion]
    model: RoutingModel | None
    reason: str  # "" when the model answered; else why there is nothing


_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # "version" → int, "pipeline" → the pipeline, "error" → str


def _current() -> RoutingModel | None:
    try:
        return RoutingModel.objects.order_by("-version").first()
    except DatabaseError:
        return None


def _pipeline(model: RoutingModel) -> tuple[Any, str]:
    """The model's pipeline, loaded once per process (again only for a new version);
    (None, why) when its file is missing or corrupt."""
    with _lock:
        if _loaded.get("version") == model.version:
            return _loaded.get("pipeline"), _loaded.get("error", "")
        pipeline, error = None, ""
        try:
            with default_storage.open(model.file, "rb") as handle:
                content = handle.read()
            if hashlib.sha256(content).hexdigest() != model.sha256:
                error = "corrupt"
            else:
                import joblib

                pipeline = joblib.load(io.BytesIO(content))
        except FileNotFoundError:
            error = "missing"
        except Exception:  # an unreadable file is "no suggestions", never a 500
            log.exception("routing model v%s could not be loaded", model.version)
            error = "corrupt"
        if error:
            log.warning("routing model v%s: file %s (%s)", model.version, error, model.file)
        _loaded.clear()
        _loaded.update(version=model.version, pipeline=pipeline, error=error)
        return pipeline, error


def forget_loaded() -> None:
    """Drop the process's loaded model (tests; after replacing a file by hand)."""
    with _lock:
        _loaded.clear()


def suggest(title: str, description: str = "") -> Suggestions:
    """The top three service items for a draft, most likely first; none for a text of
    fewer than two characters, without a model, or when nothing is likely enough."""
    text = text_of((title or "").strip(), (description or "").strip())
    model = _current()
    if model is None:
        return Suggestions([], None, "no_model")
    if len(text.strip()) < MIN_TEXT:
        return Suggestions([], model, "too_short")
    pipeline, error = _pipeline(model)
    if pipeline is None:
        return Suggestions([], model, f"model_{error or 'unavailable'}")
    best = [(code, p) for code, p in ranked(pipeline, text)[:TOP] if p >= MIN_CONFIDENCE]
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in=[c for c, _ in best], is_active=True).select_related("department")
    }
    return Suggestions(
        [
            Suggestion(
                service_item=code,
                name=items[code].name,
                department=items[code].department_id,
                department_name=items[code].department.name,
                confidence=round(p, 3),
            )
            for code, p in best
            if code in items
        ],
        model,
        "" if best else "unsure",
    )


def routing_status() -> dict[str, Any]:
    """What /readyz and the system check say of the routing model."""
    model = _current()
    if model is None:
        return {"status": "no_model"}
    _, error = _pipeline(model)
    status = f"model_{error}" if error else "ok"
    return {"status": status, "version": model.version, "trained_at": model.trained_at.isoformat()}
