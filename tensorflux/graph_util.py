"""``tf.graph_util``: freeze and prune GraphDefs for inference."""
from tensorflux.interop.graph_util import (convert_variables_to_constants,  # noqa: F401
                                           extract_sub_graph, import_graph_def,
                                           must_run_on_cpu, remove_training_nodes,
                                           tensor_shape_from_node_def_name)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
