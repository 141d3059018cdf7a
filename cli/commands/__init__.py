"""One module per ``sardine`` subcommand (see ``cli/__init__.py``). Imports core and
training; never qgis, processing or ui."""
