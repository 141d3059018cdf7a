"""``sardine bench``: model, I/O, training and whole-translation throughput and the peak
memory of a fresh process per size. Imports core and training.train."""
