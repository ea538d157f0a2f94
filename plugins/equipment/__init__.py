"""The equipment plugin (loaded by file location as ``shopdb_plugin_equipment``)."""
