"""The GIN index of the articles' search documents (PostgreSQL only; textsearch.search)."""

from django.db import migrations

import textsearch

CREATE, DROP = textsearch.gin_index_sql("knowledge_article", "search_document", "knowledge_article_fts")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
