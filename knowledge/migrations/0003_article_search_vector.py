"""Articles store their full-text vector like tickets (textsearch.stored_vector_sql): a
generated column `search_vector` with a GIN index, replacing the expression index of 0002.
PostgreSQL only."""

from django.db import migrations

import textsearch


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_article_search_index")]

    operations = [
        textsearch.stored_vector_operation("knowledge_article", "search_document", "article_search_vector_gin", old_index="knowledge_article_fts"),
    ]
