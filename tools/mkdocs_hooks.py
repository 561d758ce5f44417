"""mkdocs hook: fills the op list page from the live op registry."""
import re


def on_page_markdown(markdown, page, config, files):
    if "<!-- op-table -->" not in markdown:
        return markdown
    from tensorflux.core.registry import NOT_DIFFERENTIABLE, registry
    rows = ["| op | version | inputs | attrs | gradient | plugin | kernels |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, op in sorted(registry.ops.items()):
        grad = "no" if op.gradient in (None, NOT_DIFFERENTIABLE) else "yes"
        kernels = ", ".join(sorted(b for (o, b) in registry._kernels if o == name)) or "executor"
        attrs = ", ".join(sorted(op.attrs)) or "-"
        inputs = ", ".join(op.inputs) or "-"
        rows.append(f"| `{name}` | {op.version} | {inputs} | {attrs} | {grad} | "
                    f"{registry._op_owner[name]} | {kernels} |")
    table = "\n".join(rows)
    return re.sub(r"<!-- op-table -->", lambda m: table, markdown)
