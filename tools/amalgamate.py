#!/usr/bin/env python3
"""Generates single_include/strata/strata.hpp from the headers in include/.

Starting from tools/single_include.hpp.in, every `#include <strata/...>` is replaced by the header's
text, recursively, each header once (as `#pragma once` would), with a `// #include <strata/x.hpp>`
marker left where it was. Every other include stays as written. A header first inlined inside an
#if is inlined again where it is next needed outside that branch; a header inlined more than once
gets a macro guard so that whichever copies the preprocessor keeps, it is defined once. Branches on
a macro only the including program defines (STRATA_REVISIONS_ONLY), outside any other #if, are all
kept or all dropped: what one inlined counts as included in the next.

    tools/amalgamate.py           writes the file (only when its text changes)
    tools/amalgamate.py --check   exits 1 when the file is missing or stale
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE_DIR = ROOT / "include"
TEMPLATE = ROOT / "tools" / "single_include.hpp.in"
DIALECTS = ROOT / "cmake" / "dialects"  # one <dialect>.cmake per dialect: the list of dialects
OUTPUT = ROOT / "single_include" / "strata" / "strata.hpp"
OUTPUT_NAME = OUTPUT.relative_to(ROOT).as_posix()

DIALECTS_MARKER = re.compile(r'^\s*//\s*@dialects@\s*$')
TRAITS_MARKER = re.compile(r'^\s*//\s*@dialect_traits@\s*$')
TARGETS_MARKER = re.compile(r'^\s*//\s*@dialect_targets@\s*$')
CLIENT_LINE = re.compile(r'^//\s*Client:((?:\s*<[^>]+>)+)')
STRATA_INCLUDE = re.compile(r'^\s*#\s*include\s*<(strata/[^>]+)>')
QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
PRAGMA_ONCE = re.compile(r'^\s*#\s*pragma\s+once\b')
CONDITIONAL = re.compile(r'^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b')
# Branches the preprocessor keeps or drops alike wherever they appear (see the docstring).
ALIKE_BRANCHES = re.compile(r'^\s*#\s*(?:ifndef\s+STRATA_REVISIONS_ONLY|if\s+!\s*defined\s*\(\s*STRATA_REVISIONS_ONLY\s*\))\s*(?://.*)?$')


class AmalgamationError(Exception):
    pass


def project_version() -> str | None:
    match = re.search(r'project\(\s*strata\s+VERSION\s+([0-9][0-9.]*)', (ROOT / "CMakeLists.txt").read_text())
    return match.group(1) if match else None


def guard_macro(name: str) -> str:
    return "STRATA_SINGLE_INCLUDE_" + re.sub(r'[^A-Za-z0-9]', '_', name).upper()


class Amalgamator:
    def __init__(self, guarded: frozenset[str]):
        self.guarded = guarded        # headers that get a macro guard (inlined more than once)
        self.emitted: dict[str, int] = {}
        self.included: set[str] = set()  # headers surely included at this point of the output
        self.saved: list[set[str]] = []  # `included` at each open #if
        self.alike: list[bool] = []      # whether each open #if is an ALIKE_BRANCHES one (and its #else not yet seen)
        self.alike_included: set[str] = set()  # what the ALIKE_BRANCHES branches have inlined so far
        self.guard_depth = 0             # inside a header copy with a macro guard, which may be skipped

    def file(self, path: Path, name: str, text: str | None = None) -> list[str]:
        out: list[str] = []
        depth = len(self.saved)
        if text is None:
            text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{name}:{number}"
            if PRAGMA_ONCE.match(line):
                continue
            if (match := CONDITIONAL.match(line)):
                self.conditional(match.group(1), where, line)
                out.append(line)
            elif (match := STRATA_INCLUDE.match(line)):
                out.extend(self.include(match.group(1), where))
            elif (match := QUOTED_INCLUDE.match(line)) and (path.parent / match.group(1)).exists():
                raise AmalgamationError(f"{where}: include strata's own headers as <strata/...>, "
                                        f"not \"{match.group(1)}\"")
            else:
                out.append(line)
        if len(self.saved) != depth:
            raise AmalgamationError(f"{name}: unbalanced #if/#endif")
        return out

    def conditional(self, directive: str, where: str, line: str) -> None:
        # Inside a branch only what was included before the #if is sure; after #endif, likewise.
        if directive in ("if", "ifdef", "ifndef"):
            alike = not self.saved and self.guard_depth == 0 and bool(ALIKE_BRANCHES.match(line))
            self.saved.append(set(self.included))
            self.alike.append(alike)
            if alike:
                self.included |= self.alike_included
        elif not self.saved:
            raise AmalgamationError(f"{where}: #{directive} without #if")
        elif directive == "endif":
            if self.alike.pop():
                self.alike_included |= self.included
            self.included = self.saved.pop()
        else:
            if self.alike[-1]:
                self.alike_included |= self.included
                self.alike[-1] = False
            self.included = set(self.saved[-1])

    def include(self, name: str, where: str) -> list[str]:
        marker = f"// #include <{name}>"
        if name in self.included:
            return [marker]
        path = INCLUDE_DIR / name
        if not path.is_file():
            raise AmalgamationError(f"{where}: <{name}> is not a file under include/")
        self.included.add(name)  # before the body, like #pragma once
        self.emitted[name] = self.emitted.get(name, 0) + 1
        guarded = name in self.guarded
        self.guard_depth += guarded
        body = self.file(path, name)
        self.guard_depth -= guarded
        if not guarded:
            return [marker, *body]
        macro = guard_macro(name)
        return [marker, f"#ifndef {macro}", f"#define {macro}", *body, f"#endif  // {macro}"]


def dialects() -> list[tuple[str, bool, list[str]]]:
    """Each dialect (cmake/dialects/<d>.cmake): its name, whether it has SQL traits
    (include/strata/dialect/<d>_sql.hpp, needing no client), and the client headers its header's
    `// Client:` line names."""
    out: list[tuple[str, bool, list[str]]] = []
    for dialect in sorted(p.stem for p in DIALECTS.glob("*.cmake")):
        header = INCLUDE_DIR / "strata" / "dialect" / f"{dialect}.hpp"
        if not header.is_file():
            raise AmalgamationError(f"cmake/dialects/{dialect}.cmake: no include/strata/dialect/{dialect}.hpp")
        clients = next((re.findall(r'<[^>]+>', m.group(1)) for line in header.read_text(encoding="utf-8").splitlines()[:10]
                        if (m := CLIENT_LINE.match(line))), None)
        if not clients:
            raise AmalgamationError(f"include/strata/dialect/{dialect}.hpp: no '// Client: <header> ...' line among its "
                                    "first ten, naming the client headers the single header needs for it")
        out.append((dialect, (INCLUDE_DIR / "strata" / "dialect" / f"{dialect}_sql.hpp").is_file(), clients))
    return out


def dialect_trait_lines() -> list[str]:
    """What replaces the template's `// @dialect_traits@` line: each dialect's SQL traits."""
    return [f"#include <strata/dialect/{d}_sql.hpp>" for d, traits, _ in dialects() if traits]


def dialect_target_lines() -> list[str]:
    """What replaces the template's `// @dialect_targets@` line: each dialect's review target
    (include/strata/dialect/<d>_target.hpp, its SQL traits declared only), where it has one."""
    return [f"#include <strata/dialect/{d}_target.hpp>" for d, _, _ in dialects()
            if (INCLUDE_DIR / "strata" / "dialect" / f"{d}_target.hpp").is_file()]


def dialect_lines() -> list[str]:
    """What replaces the template's `// @dialects@` line: each dialect's header, when the client
    headers its `// Client:` line names can be found."""
    out: list[str] = []
    for dialect, _, clients in dialects():
        out.append("#if " + " && ".join(f"__has_include({c})" for c in clients))
        out.append(f"#include <strata/dialect/{dialect}.hpp>")
        out.append("#endif")
    return out


def template_text() -> str:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    expanded: list[str] = []
    for line in lines:
        if DIALECTS_MARKER.match(line):
            expanded.extend(dialect_lines())
        elif TRAITS_MARKER.match(line):
            expanded.extend(dialect_trait_lines())
        elif TARGETS_MARKER.match(line):
            expanded.extend(dialect_target_lines())
        else:
            expanded.append(line)
    return "\n".join(expanded) + "\n"


def banner() -> list[str]:
    version = project_version()
    return [
        f"// strata{' ' + version if version else ''}: database schema migrations with the revision "
        "graph checked at compile time.",
        "// Single header generated by tools/amalgamate.py from include/ and tools/single_include.hpp.in.",
        "// Do not edit: change the headers in include/strata/ and run tools/amalgamate.py.",
        "#pragma once",
        "",
    ]


def generate() -> str:
    text = template_text()
    # A guard changes what counts as included (see ALIKE_BRANCHES): guard what is inlined more than
    # once until that holds for the text generated with those guards.
    guarded: frozenset[str] = frozenset()
    while True:
        run = Amalgamator(guarded)
        body = run.file(TEMPLATE, TEMPLATE.relative_to(ROOT).as_posix(), text)
        twice = frozenset(name for name, count in run.emitted.items() if count > 1)
        if twice <= guarded:
            return "\n".join(banner() + body) + "\n"
        guarded |= twice


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if {OUTPUT_NAME} differs from what would be generated")
    args = parser.parse_args()
    try:
        text = generate()
    except (AmalgamationError, OSError) as error:
        print(f"amalgamate.py: {error}", file=sys.stderr)
        return 2
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else None
    if args.check:
        if current == text:
            print(f"{OUTPUT_NAME} is up to date")
            return 0
        state = "missing" if current is None else "stale"
        print(f"{OUTPUT_NAME} is {state}: run tools/amalgamate.py", file=sys.stderr)
        if current is not None:
            diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                             f"{OUTPUT_NAME} (committed)", f"{OUTPUT_NAME} (generated)",
                                             lineterm=""))
            shown = 60
            print("\n".join(diff[:shown]), file=sys.stderr)
            if len(diff) > shown:
                print(f"... ({len(diff) - shown} more diff lines)", file=sys.stderr)
        return 1
    if current == text:
        print(f"{OUTPUT_NAME} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    print(f"wrote {OUTPUT_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
