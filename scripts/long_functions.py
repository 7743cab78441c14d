#!/usr/bin/env python3
"""Lists the functions (and lambdas) longer than N lines, longest first, using universal-ctags.

    scripts/long_functions.py [--max N] [--all] [--allow NAME]... [paths...]

Paths default to the code the 80-line rule covers (docs/decisions/141-one-handler-per-node-kind.md,
144-guardrails.md): compiler/ (the driver and the language server too), codegen/, runtime/,
stdlib/ and common/. Exits 1 when a function is over N lines (default 80), so a check can run it
(scripts/test.sh does); --all lists every function. --allow NAME (the qualified name as listed)
lets that one function be longer for now; an allowance no longer needed is reported, not failed.
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ["compiler", "codegen", "runtime", "stdlib", "common"]


def functions(paths):
    """Yields (lines, path, first line, qualified name) for every C++ function under paths."""
    out = subprocess.run(
        ["ctags", "-R", "--languages=C++", "--kinds-C++=f", "--fields=+ne",
         "--output-format=json", "-f", "-", *paths],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        tag = json.loads(line)
        if tag.get("_type") != "tag" or "end" not in tag:
            continue
        name = tag["name"]
        if tag.get("scope"):
            name = tag["scope"] + "::" + name
        yield tag["end"] - tag["line"] + 1, tag["path"], tag["line"], name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=80, help="longest allowed function (lines)")
    parser.add_argument("--all", action="store_true", help="list every function")
    parser.add_argument("--allow", action="append", default=[], metavar="NAME",
                        help="a function allowed to be longer (its qualified name as listed)")
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    args = parser.parse_args()
    rows = sorted(functions(args.paths), reverse=True)
    over = [r for r in rows if r[0] > args.max]
    for lines, path, first, name in rows if args.all else over:
        allowed = " (allowed for now)" if name in args.allow else ""
        print(f"{lines:5} {path}:{first} {name}{allowed}")
    failing = [r for r in over if r[3] not in args.allow]
    for name in sorted(set(args.allow) - {r[3] for r in over}):
        print(f"note: {name} is no longer over {args.max} lines: drop its --allow", file=sys.stderr)
    print(f"{len(rows)} functions, {len(over)} over {args.max} lines, {len(failing)} not allowed", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
