"""The core: Graph, Operation, Tensor, dtypes, shapes, the op registry, plugins,
Session and its executor, errors. It knows no particular op or backend."""
