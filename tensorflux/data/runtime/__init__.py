"""The running side of tf.data: plain Python objects built from a pipeline's values
when an iterator is initialized (see ``base``), with no graph in sight."""
