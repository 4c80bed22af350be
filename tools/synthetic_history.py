#!/usr/bin/env python3
"""Writes a C++ file with a synthetic strata history of N revisions (each creates a table and an
index; with --columns, every other revision instead adds, alters and renames a column of the table
before), for measuring what the compile-time checks and replay cost:

    tools/synthetic_history.py 200 --replay --irreversible > /tmp/h200.cpp
    /usr/bin/time -f '%U s %M KB' g++ -std=c++20 -fsyntax-only -Iinclude /tmp/h200.cpp

With --models, also the models of the head schema, checked by static_assert(strata::in_sync<history, models>()).
With --review, the history is reviewed under the strict policy for PostgreSQL (strata::reviewed: replay, reversibility, rules).
With --project, the file is the unit strata_add_manage_db() compiles after `migrate`: STRATA_REVISIONS_ONLY,
the history and strata::cli::project_of<history>() (which also freezes every revision's operations).
With --single-header, it includes the single header (-Isingle_include) instead of include/'s headers:

    tools/synthetic_history.py 200 --review --project --single-header > /tmp/p200.cpp
    /usr/bin/time -f '%U s %M KB' g++ -std=c++20 -fsyntax-only -Isingle_include /tmp/p200.cpp
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revisions", type=int)
    parser.add_argument("--replay", action="store_true", help="also replay the history in a static_assert")
    parser.add_argument("--models", action="store_true", help="also declare the models and check them with strata::in_sync")
    parser.add_argument("--irreversible", action="store_true", help="also check every downgrade in a static_assert (first_irreversible)")
    parser.add_argument("--review", action="store_true",
                        help="also review the history under the strict policy for PostgreSQL: static_assert(strata::reviewed<history>)")
    parser.add_argument("--columns", action="store_true", help="every other revision alters the table before instead of creating one")
    parser.add_argument("--project", action="store_true",
                        help="as manage_db's history unit: STRATA_REVISIONS_ONLY and strata::cli::project_of<history>()")
    parser.add_argument("--single-header", action="store_true", help="include the single header (single_include/strata/strata.hpp)")
    args = parser.parse_args()
    if args.models and args.columns:
        parser.error("--models declares the tables --columns does not create; give one of them")
    n = args.revisions
    allow_nn = ".allow(strata::rule::set_not_null)" if args.review else ""
    allow_rename = ".allow(strata::rule::rename_column)" if args.review else ""
    out = ["#define STRATA_REVISIONS_ONLY"] if args.project else []
    if args.single_header:
        out.append("#include <strata/strata.hpp>")  # with STRATA_REVISIONS_ONLY: project_of and the review targets too
    else:
        if args.review:
            out.append("#include <strata/dialect/postgresql_target.hpp>")
        if args.project:
            out.append("#include <strata/project.hpp>")
        out.append("#include <strata/strata.hpp>")
    out.append("")
    tables = 0
    last = 0
    for i in range(n):
        down = "strata::base" if i == 0 else f'"{i - 1:012x}"'
        if args.columns and i % 2 == 1:
            t = last
            out.append(f'''struct r{i} : strata::revision<"{i:012x}", {down}> {{
  static constexpr std::string_view message = "revision {i}";
  static constexpr void upgrade(strata::ops& op) {{
    op.add_column("t{t}", strata::column("extra", strata::integer));
    op{allow_nn}.alter_column("t{t}", "value", {{.nullable = false}});
    op{allow_rename}.rename_column("t{t}", "name", "title");
  }}
  static constexpr void downgrade(strata::ops& op) {{
    op.rename_column("t{t}", "title", "name");
    op.alter_column("t{t}", "value", {{.nullable = true}});
    op.drop_column("t{t}", "extra");
  }}
}};''')
            continue
        tables += 1
        last = i
        out.append(f'''struct r{i} : strata::revision<"{i:012x}", {down}> {{
  static constexpr std::string_view message = "revision {i}";
  static constexpr void upgrade(strata::ops& op) {{
    op.create_table("t{i}", {{strata::column("id", strata::integer).primary_key(),
                             strata::column("name", strata::varchar(50)).not_null(),
                             strata::column("value", strata::real)}});
    op.create_index("ix_t{i}_name", "t{i}", {{"name"}});
  }}
  static constexpr void downgrade(strata::ops& op) {{
    op.drop_index("ix_t{i}_name");
    op.drop_table("t{i}");
  }}
}};''')
    out.append("using history = strata::history<" + ", ".join(f"r{i}" for i in range(n)) + ">;")
    out.append("static_assert(history::heads.size() == 1);")
    if args.review:
        out.append("template <>")
        out.append("inline constexpr strata::review_policy strata::review_policy_for<history> = "
                   "strata::strict_policy<strata::postgresql_sql>();")
        out.append("static_assert(strata::reviewed<history>);")
    if args.replay:
        out.append(f"static_assert(strata::replay<history>().tables.size() == {tables});")
    if args.irreversible:
        out.append("static_assert(strata::first_irreversible<history>() == history::size);")
    if args.models:
        out.append("struct models {\n  static constexpr void declare(strata::model& m) {")
        for i in range(n):
            out.append(f'''    m.table("t{i}", {{strata::column("id", strata::integer).primary_key(),
                     strata::column("name", strata::varchar(50)).not_null(), strata::column("value", strata::real)}});
    m.index("ix_t{i}_name", "t{i}", {{"name"}});''')
        out.append("  }\n};")
        out.append("static_assert(strata::in_sync<history, models>());")
    if args.project:
        out.append('strata::cli::project manage_db_project() { return strata::cli::project_of<history>("make manage_db"); }')
    out.append("int main() {}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
