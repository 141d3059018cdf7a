"""Everything that makes or measures weights, headless: train/, datasets/, simulate/,
evaluation/, bench/. Imports core; never qgis, cli, processing or ui."""
