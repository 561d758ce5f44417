"""``python -m tensorflux info [--ops] [--json]``: version, plugins, backends, op and
kernel counts, and with ``--ops`` every op with its plugin and the backends with a kernel
for it. ``python -m tensorflux new-plugin NAME``: a plugin package skeleton."""
from __future__ import annotations

import argparse
import json
import sys


def collect_info(ops: bool = False) -> dict:
    """What ``info`` prints; with ``ops``, also ``op_list``: one entry per op with its
    plugin and the backends that have a kernel for it."""
    import tensorflux
    from tensorflux.core.registry import registry
    registry.ensure_loaded()
    backends = [{"name": b.name, "device_type": b.device_type,
                 "available": registry.backend_available(b.name),
                 "priority": b.priority, "opt_in": b.opt_in,
                 "description": b.description}
                for b in registry.backends.values()]
    info = {
        "version": tensorflux.__version__,
        "plugins": list(registry.plugins.values()),
        "backends": backends,
        "ops": len(registry.ops),
        "kernels": registry.kernel_counts(),
    }
    if ops:
        info["op_list"] = [{"name": name, "plugin": registry.op_owner(name),
                            "kernels": registry.kernel_backends(name)}
                           for name in sorted(registry.ops)]
    return info


def _print_text(info: dict, out):
    print(f"tensorflux {info['version']}", file=out)
    print("plugins:", file=out)
    for p in info["plugins"]:
        state = "loaded" if p["loaded"] else f"FAILED ({p['error']})"
        print(f"  {p['name']:<12} {p['module']:<40} {state}", file=out)
    print("backends:", file=out)
    for b in info["backends"]:
        avail = "available" if b["available"] else "not available"
        opt_in = ", opt-in" if b["opt_in"] else ""
        print(f"  {b['name']:<12} {b['device_type']:<4} {avail:<14} "
              f"{info['kernels'].get(b['name'], 0)} kernels (priority {b['priority']}{opt_in})",
              file=out)
    print(f"ops: {info['ops']}", file=out)
    if "op_list" in info:
        width = max((len(op["name"]) for op in info["op_list"]), default=0)
        for op in info["op_list"]:
            kernels = ", ".join(op["kernels"]) or "(run by the executor)"
            print(f"  {op['name']:<{width}}  {op['plugin']:<10} {kernels}", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tensorflux")
    sub = parser.add_subparsers(dest="command", required=True)
    info_p = sub.add_parser("info", help="show plugins, backends, op and kernel counts")
    info_p.add_argument("--json", action="store_true", help="print one JSON object")
    info_p.add_argument("--ops", action="store_true",
                        help="also list every op: its plugin and the backends with a kernel for it")
    new_p = sub.add_parser("new-plugin", help="create a plugin package skeleton whose tests pass")
    new_p.add_argument("name", help="the plugin's name, a Python identifier (e.g. mylib)")
    new_p.add_argument("--directory", default=".",
                       help="where to create the package folder (default: the current one)")
    conv = sub.add_parser("convert-checkpoint", help="copy a checkpoint (TensorFlow V2 or "
                                                     "tensorflux HDF5) into the other format")
    conv.add_argument("source", help="checkpoint file, or TensorFlow checkpoint prefix")
    conv.add_argument("target", help="file (or prefix, with --to tensorflow) to write")
    conv.add_argument("--to", choices=("tensorflux", "tensorflow"), default="tensorflux",
                      help="format to write (default: tensorflux's HDF5)")
    onnx_p = sub.add_parser("export-onnx", help="write an inference graph and its "
                                                "checkpoint as an ONNX model")
    onnx_p.add_argument("meta", help="graph: a .meta file (ours or TensorFlow's), or a "
                                     "frozen TensorFlow GraphDef (.pb / .pbtxt)")
    onnx_p.add_argument("output", help="the .onnx file to write")
    onnx_p.add_argument("--checkpoint", help="checkpoint with the variables' values")
    onnx_p.add_argument("--inputs", required=True, help="comma-separated tensor names fed")
    onnx_p.add_argument("--outputs", required=True, help="comma-separated tensor names fetched")
    onnx_p.add_argument("--opset", type=int, default=None, help="ONNX opset version")
    args = parser.parse_args(argv)
    if args.command == "convert-checkpoint":
        from tensorflux.interop.convert import convert_checkpoint
        names = convert_checkpoint(args.source, args.target, args.to)
        print(f"wrote {len(names)} tensors to {args.target}")
        return 0
    if args.command == "export-onnx":
        from tensorflux.interop.onnx_export import export_onnx_file
        export_onnx_file(args.meta, args.output, inputs=args.inputs.split(","),
                         outputs=args.outputs.split(","), checkpoint=args.checkpoint,
                         opset=args.opset)
        print(f"wrote {args.output}")
        return 0
    if args.command == "new-plugin":
        from tensorflux.plugin_template import create
        try:
            path = create(args.name, args.directory)
        except (ValueError, FileExistsError) as exc:
            parser.error(str(exc))
        print(f"created {path}: cd there, `pip install -e '.[test]'` and run `python -m pytest`")
    elif args.command == "info":
        info = collect_info(ops=args.ops)
        if args.json:
            json.dump(info, sys.stdout, indent=2)
            print()
        else:
            _print_text(info, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
