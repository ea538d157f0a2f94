"""The plugin framework: loader, manager, migrations per plugin, scaffolder, and the toolkit plugins import."""
