"""``python -m tensorflux info [--json]``: version, plugins, backends, op and kernel counts."""
from __future__ import annotations

import argparse
import json
import sys


def collect_info() -> dict:
    import tensorflux
    from tensorflux.core.registry import registry
    registry.ensure_loaded()
    backends = [{"name": b.name, "device_type": b.device_type,
                 "available": registry.backend_available(b.name),
                 "description": b.description}
                for b in registry.backends.values()]
    return {
        "version": tensorflux.__version__,
        "plugins": list(registry.plugins.values()),
        "backends": backends,
        "ops": len(registry.ops),
        "kernels": registry.kernel_counts(),
    }


def _print_text(info: dict, out):
    print(f"tensorflux {info['version']}", file=out)
    print("plugins:", file=out)
    for p in info["plugins"]:
        state = "loaded" if p["loaded"] else f"FAILED ({p['error']})"
        print(f"  {p['name']:<12} {p['module']:<40} {state}", file=out)
    print("backends:", file=out)
    for b in info["backends"]:
        avail = "available" if b["available"] else "not available"
        print(f"  {b['name']:<12} {b['device_type']:<4} {avail:<14} "
              f"{info['kernels'].get(b['name'], 0)} kernels", file=out)
    print(f"ops: {info['ops']}", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tensorflux")
    sub = parser.add_subparsers(dest="command", required=True)
    info_p = sub.add_parser("info", help="show plugins, backends, op and kernel counts")
    info_p.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.command == "info":
        info = collect_info()
        if args.json:
            json.dump(info, sys.stdout, indent=2)
            print()
        else:
            _print_text(info, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
