"""Input pipelines and the managed training loop behind ``tf.train``: Coordinator,
QueueRunner, input producers and batching, session-run hooks and MonitoredSession."""
