#!/usr/bin/env python3
"""No import cycles in grove-core: between its top-level modules, nor between the files of one
folder module. A module's dependencies are the `crate::x` / `super::x` paths its files name
(in `use` lines and in code); tests (`#[cfg(test)]` to the end of a file) are not counted."""
import pathlib
import re
import sys

SRC = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".", "src-tauri/core/src")


def code(path):
    text = path.read_text()
    text = text.split("#[cfg(test)]")[0]
    return re.sub(r"//.*", "", text)


def module_of(path, base):
    """The module a file belongs to, one level below `base` (a folder or a file stem)."""
    rel = path.relative_to(base)
    return rel.parts[0].removesuffix(".rs")


def graph(base, pattern, skip=("mod", "lib")):
    files = [p for p in base.rglob("*.rs") if p.parent != base or p.stem not in skip]
    mods = {module_of(p, base) for p in files}
    edges = {m: set() for m in mods}
    for p in files:
        m = module_of(p, base)
        for dep in re.findall(pattern, code(p)):
            if dep in mods and dep != m:
                edges[m].add(dep)
    return edges


def cycles(edges):
    found, state = [], {}

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for d in sorted(edges[n]):
            if state.get(d) == 1:
                found.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n, [])
    return found


def main():
    bad = []
    top = graph(SRC, r"crate::(\w+)")
    bad += [" -> ".join(c) for c in cycles(top)]
    for folder in [p for p in SRC.iterdir() if p.is_dir()]:
        # Within a folder module, siblings are named `super::x` or `crate::<folder>::x`.
        pat = rf"(?:super|crate::{folder.name})::(\w+)"
        inner = graph(folder, pat)
        bad += [f"{folder.name}: " + " -> ".join(c) for c in cycles(inner)]
    if bad:
        print("import cycles in grove-core:\n  " + "\n  ".join(bad))
        return 1
    print("no import cycles in grove-core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
