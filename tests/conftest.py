"""Core and framework tests. Fixtures (app, client, auth_headers, db_url, ...) come from
``shopdb.testing``, which pytest loads through the ``pytest11`` entry point."""
