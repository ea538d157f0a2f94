"""The network plugin (loaded by file location as ``shopdb_plugin_network``)."""
