"""The usb plugin (loaded by file location as ``shopdb_plugin_usb``)."""
