"""Articles store their full-text vector like tickets (textsearch.stored_vector_sql): a
generated column `search_vector` with a GIN index, replacing the expression index of 0002.
PostgreSQL only."""

from django.db import migrations

import textsearch

FORWARD, BACKWARD = textsearch.stored_vector_sql(
    "knowledge_article", "search_document", "article_search_vector_gin", old_index="knowledge_article_fts"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_article_search_index")]

    operations = [migrations.RunPython(forward, backward)]
