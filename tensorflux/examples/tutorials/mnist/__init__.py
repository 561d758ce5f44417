"""MNIST input pipeline (``input_data.read_data_sets``)."""
