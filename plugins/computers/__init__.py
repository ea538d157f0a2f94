"""The computers plugin (loaded by file location as ``shopdb_plugin_computers``)."""
