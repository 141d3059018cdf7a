"""One module per ``sardine`` subcommand (see ``cli/__init__.py``)."""
