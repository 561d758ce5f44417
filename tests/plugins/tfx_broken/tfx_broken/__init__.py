raise ImportError("tfx_broken cannot be imported (on purpose, for the tests)")
