"""mkdocs hook (mkdocs.yml ``hooks:``): fills the op list page from the live op registry.
Kept outside docs/ so that it is not published with the site."""
import re


def on_page_markdown(markdown, page, config, files):
    if "<!-- op-table -->" not in markdown:
        return markdown
    from tensorflux.core.registry import NOT_DIFFERENTIABLE, registry
    rows = ["| op | version | inputs | attrs | gradient | plugin | kernels |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, op in sorted(registry.ops.items()):
        grad = "no" if op.gradient in (None, NOT_DIFFERENTIABLE) else "yes"
        kernels = ", ".join(registry.kernel_backends(name)) or "executor"
        attrs = ", ".join(sorted(op.attrs)) or "-"
        inputs = ", ".join(op.inputs) or "-"
        rows.append(f"| `{name}` | {op.version} | {inputs} | {attrs} | {grad} | "
                    f"{registry.op_owner(name)} | {kernels} |")
    table = "\n".join(rows)
    return re.sub(r"<!-- op-table -->", lambda m: table, markdown)
