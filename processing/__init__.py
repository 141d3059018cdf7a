"""Sardine's Processing provider and algorithms: the single entry point that the dock, the
toolbox, batch mode, the modeler and ``qgis_process`` all run.
Imports core and qgis; never ui or plugin."""
