"""The notifications plugin (loaded by file location as ``shopdb_plugin_notifications``)."""
