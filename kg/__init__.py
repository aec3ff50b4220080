"""The `kg` command line and the settings every layer shares."""
