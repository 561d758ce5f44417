"""Which installed package provided each op type of a saved graph (the optional
``op_providers`` field of a GraphDef), so that a reader lacking a plugin can say which
package to install."""
from __future__ import annotations

import re

_DIST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")  # PEP 508
_DIST_VERSION = re.compile(r"^[A-Za-z0-9.+!_-]{1,64}$")


def op_providers(graph) -> dict:
    """{op type: {"name", "version"} of the package whose plugin registered it} for the
    op types of ``graph`` (op types registered outside any installed package are left
    out)."""
    from tensorflux.core.registry import registry
    types = sorted({op.type for op in graph.get_operations()})
    return {t: d for t in types if (d := registry.op_distribution(t)) is not None}


def missing_op_hint(graph_def, op_type) -> str:
    """What to install for an op type no plugin registers. The file's entry is used only
    when it is a well-formed package name and version (the file may be hostile)."""
    providers = graph_def.get("op_providers")
    provider = providers.get(op_type) if isinstance(providers, dict) else None
    if (isinstance(provider, dict) and isinstance(provider.get("name"), str)
            and isinstance(provider.get("version"), str)
            and _DIST_NAME.match(provider["name"]) and _DIST_VERSION.match(provider["version"])):
        return (f"It was saved with {op_type!r} from the package {provider['name']} "
                f"{provider['version']}: install it (pip install {provider['name']}).")
    return f"Install the plugin that provides {op_type!r}."
