#!/usr/bin/env python3
"""Keeps units small enough to read: no Rust file in src-tauri/ over 800 lines, no Rust
function over 150 lines. Functions are found by `fn` lines and brace depth (strings and
comments with braces are rare enough in this code base to ignore)."""
import pathlib
import re
import sys

MAX_FILE, MAX_FN = 800, 150
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def functions(lines):
    """Yields (name, first line, length) of every fn with a body."""
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, start, j, opened = 0, i, i, False
        while j < len(lines):
            code = re.sub(r"//.*", "", lines[j])
            code = re.sub(r"'(\\.|[^\\'])'", "", code)  # char literals like '{'
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if not opened and code.rstrip().endswith(";"):
                break  # a declaration without a body
            if opened and depth <= 0:
                break
            j += 1
        yield m.group(6), start + 1, j - start + 1
        i = start + 1  # nested fns are measured too


def main(root):
    bad = []
    for path in sorted(pathlib.Path(root, "src-tauri").rglob("*.rs")):
        lines = path.read_text().splitlines()
        if len(lines) > MAX_FILE:
            bad.append(f"{path}: {len(lines)} lines (max {MAX_FILE})")
        for name, line, length in functions(lines):
            if length > MAX_FN:
                bad.append(f"{path}:{line}: fn {name} is {length} lines (max {MAX_FN})")
    print("\n".join(bad) if bad else "sizes ok: files <= 800 lines, functions <= 150 lines")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
