"""Sardine's QGIS user interface: the dock, the background run, dependency checks and the
styling of output layers.

Imports core and processing (never the other way round); plugin imports ui.
"""
