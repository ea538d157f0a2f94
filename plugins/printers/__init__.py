"""The printers plugin (loaded by file location as ``shopdb_plugin_printers``)."""
