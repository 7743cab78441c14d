#!/usr/bin/env python3
"""Checks the include rules of docs/decisions/143-public-headers.md; run by the build (target
sfn_include_rules, which the `sfn` executable depends on) and usable by hand:

    scripts/check_includes.py [ROOT]

1. Outside runtime/ and tests/ (the compiler, codegen, stdlib, the driver), no file includes a
   private runtime header ("runtime/..."): the runtime's public API is runtime/include/sfn/*.h.
2. A public runtime header (runtime/include/sfn/*.h) includes only the standard library,
   other public headers ("sfn/...") and common/.
3. common/ includes only the standard library and common/.
Prints each violation as FILE:LINE: message and exits 1 when there is one.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = ('.h', '.hpp', '.cpp', '.cc', '.def', '.inc')
SKIP_DIRS = {'build', '.git', 'node_modules'}


def files(root, top):
    base = root / top
    if not base.exists():
        return
    for p in sorted(base.rglob('*')):
        if p.suffix in SOURCES and p.is_file() and not SKIP_DIRS.intersection(p.relative_to(root).parts):
            yield p


def rule_for(rel):
    """The allowed include prefixes for the file at `rel` (None: any)."""
    parts = rel.parts
    if parts[0] == 'common':
        return ('common/',), 'common/ includes only common/'
    if parts[:3] == ('runtime', 'include', 'sfn'):
        return ('sfn/', 'common/'), 'a public runtime header includes only sfn/ and common/'
    if parts[0] in ('runtime', 'tests') or parts[0].startswith('build'):
        return None, ''
    return 'not-runtime', 'only the runtime public headers (sfn/...) may be included from outside runtime/'


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    bad = 0
    tops = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in SKIP_DIRS and not p.name.startswith('.'))
    for top in tops:
        for path in files(root, top):
            rel = path.relative_to(root)
            allowed, why = rule_for(rel)
            if allowed is None:
                continue
            for n, line in enumerate(path.read_text(errors='replace').splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                ok = not inc.startswith('runtime/') if allowed == 'not-runtime' else inc.startswith(allowed)
                if not ok:
                    print(f'{rel}:{n}: #include "{inc}": {why}')
                    bad += 1
    if bad:
        print(f'{bad} include(s) break the rules of docs/decisions/143-public-headers.md')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
