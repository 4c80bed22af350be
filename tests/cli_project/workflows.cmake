# cli.workflows.<dialect>: the seed's development workflows through the built manage_db, on a copy of
# InsightBull (its models, revisions and migrations test): "Adding New Models" (a UserPreferences
# model, migrate, rebuild, upgrade, check, downgrade -1, upgrade), "Modifying Existing Models" (an
# email field, then NOT NULL with a default: the rows stay), a rename declared in the models, and
# --from-database recreating a lost revision file. Then the project's STRATA_MIGRATION_TESTS run on
# every revision, the generated ones included. Run with cmake -P, the variables of common.cmake and
#   -DDIALECT=sqlite or postgresql (PostgreSQL: the server the PG* variables name, in a schema of its own)
cmake_minimum_required(VERSION 3.21)

set(_src "${WORK_DIR}/src")
set(_build "${WORK_DIR}/build")
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
set(_insightbull "${STRATA_SOURCE_DIR}/examples/insightbull")
if(NOT DIALECT MATCHES "^(sqlite|postgresql)$")
  message(FATAL_ERROR "workflows.cmake needs -DDIALECT=sqlite or -DDIALECT=postgresql")
endif()
set(_schema "strata_workflows")
if(DIALECT STREQUAL "postgresql")
  if("$ENV{PGHOST}$ENV{PGPORT}" STREQUAL "")
    if("$ENV{STRATA_REQUIRE_POSTGRESQL}" STREQUAL "")
      message(STATUS "no PostgreSQL server named by PG* variables: skipped")
      return()
    endif()
    message(FATAL_ERROR "no PostgreSQL server named by PG* variables, and STRATA_REQUIRE_POSTGRESQL is set; run the tests under pg_virtualenv")
  endif()
  set(ENV{DATABASE_URL} "postgresql:///?schema=${_schema}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${_src}")
file(COPY "${PROJECT_DIR}/workflows/CMakeLists.txt" "${PROJECT_DIR}/workflows/migrations_test.cpp" "${_insightbull}/models.hpp"
          "${_insightbull}/strata.ini" "${_insightbull}/migrations" DESTINATION "${_src}")
# The workflows write revisions that InsightBull's strict review policy refuses at compile time (a
# NOT NULL set on an existing column, whose failure on NULL rows at run time is what they test): the
# copy is reviewed under the basic policy.
file(REMOVE "${_src}/migrations/review_policy.hpp")

# sql(<output variable> <statement>): one statement on the project's database, its rows as text.
function(sql out_var statement)
  if(DIALECT STREQUAL "sqlite")
    execute_process(COMMAND sqlite3 "${_src}/data/insight_stock.db" "${statement}"
                    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  else()
    execute_process(COMMAND psql -X -q -t -A -v ON_ERROR_STOP=1 -c "SET search_path TO ${_schema}" -c "${statement}"
                    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  endif()
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${statement} failed (${_rc}): ${_err}")
  endif()
  string(STRIP "${_out}" _out)
  set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

# edit_models(<text> <replacement>): an edit of models.hpp, as a developer makes it.
function(edit_models from to)
  file(READ "${_src}/models.hpp" _text)
  string(FIND "${_text}" "${from}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "models.hpp has no '${from}' to edit")
  endif()
  string(REPLACE "${from}" "${to}" _text "${_text}")
  file(WRITE "${_src}/models.hpp" "${_text}")
endfunction()

# migrate_revision(<message> <file variable> <id variable> [options]): `manage_db migrate`, which must
# write a revision after the current head.
function(migrate_revision message file_var id_var)
  run(0 _out migrate "${message}" ${ARGN})
  if(NOT _out MATCHES "Generated ([^\n]+\\.hpp)\nRevision ([0-9a-f]+) \\(down revision")
    message(FATAL_ERROR "migrate \"${message}\" wrote no revision:\n${_out}")
  endif()
  set(${file_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(${id_var} "${CMAKE_MATCH_2}" PARENT_SCOPE)
  file(READ "${CMAKE_MATCH_1}" _text)
  message(STATUS "${CMAKE_MATCH_1}:\n${_text}")
endfunction()

function(expect_file_match file regex what)
  file(READ "${file}" _text)
  expect_match("${_text}" "${regex}" "${what}")
endfunction()

function(expect_file_no_match file regex what)
  file(READ "${file}" _text)
  if(_text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: '${regex}' found in:\n${_text}")
  endif()
endfunction()

# The migrations test of the project, on the revisions as they are now.
function(migration_tests what)
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${_build}" --target migrations_test
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "building the migrations test failed (${_rc}):\n${_out}")
  endif()
  execute_process(COMMAND "${_build}/migrations_test" WORKING_DIRECTORY "${_build}"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "STRATA_MIGRATION_TESTS failed ${what} (${_rc}):\n${_out}")
  endif()
endfunction()

# ---- the project as InsightBull ships it: at head, the models in sync
configure_project("-DDIALECT=${DIALECT}")
build("building manage_db")
run(0 _out reset --confirm)
run(0 _out upgrade)
run(0 _out check)
expect_match("${_out}" "^The models match the migrations at head c7d2a9e1f0b3\\.\n$" "check at the start")
run(0 _out migrate "nothing to do")
expect_match("${_out}" "^No changes: the models match the history at head c7d2a9e1f0b3; nothing written" "migrate with nothing changed")

# ---- Adding New Models: UserPreferences
edit_models("struct models {" [=[struct UserPreferences {
  static constexpr std::string_view table = "user_preferences";
  BOOST_HANA_DEFINE_STRUCT(UserPreferences,
                           (std::int64_t, id),
                           (std::int64_t, stock_id),
                           (std::string, theme),
                           (std::optional<std::string>, language));
};

struct models {]=])
edit_models("    using strata::column;\n" [=[    using strata::column;
    m.table<UserPreferences>(UserPreferences::table,
                             {column("id", strata::integer).primary_key(),
                              column("stock_id", strata::integer).not_null().references("stocks", "id", strata::referential_action::cascade),
                              column("theme", strata::varchar(20)).not_null().server_default("'light'"),
                              column("language", strata::varchar(10))});
    m.index("ix_user_preferences_stock_id", UserPreferences::table, {"stock_id"}, {.unique = true});
]=])
build("building manage_db with the UserPreferences model" _out)
expect_compiled("${_out}" "the build after a change to the models" models)
run(1 _out check)
expect_match("${_out}" "user_preferences: a table in the models, not in the migrations" "check after adding the model")
migrate_revision("Add UserPreferences model" _file _id)
expect_file_match("${_file}" "op\\.create_table\\(\"user_preferences\",.*strata::column\\(\"theme\", strata::varchar\\(20\\)\\)\\.not_null\\(\\)\\.server_default\\(\"'light'\"\\)"
                  "the UserPreferences revision")
expect_file_match("${_file}" "op\\.create_index\\(\"ix_user_preferences_stock_id\", \"user_preferences\", \\{\"stock_id\"\\}, \\{\\.unique = true\\}\\);"
                  "the UserPreferences revision's index")
expect_file_match("${_file}" "downgrade\\(strata::ops& op\\) \\{\n    op\\.drop_index\\(\"ix_user_preferences_stock_id\".*op\\.drop_table\\(\"user_preferences\"\\);"
                  "the UserPreferences revision's downgrade")
run(1 _out upgrade)  # not rebuilt: refused
build("rebuilding manage_db with the UserPreferences revision" _out)
expect_compiled("${_out}" "the build after migrate" project)
run(0 _out upgrade)
expect_match("${_out}" "Running upgrade c7d2a9e1f0b3 -> ${_id}, Add UserPreferences model" "upgrade to the UserPreferences revision")
run(0 _out check)
run(0 _out downgrade -1)
run(0 _out upgrade)
sql(_tables "SELECT count(*) FROM user_preferences")
expect_match("${_tables}" "^0$" "user_preferences after upgrade")
run(0 _out migrate "nothing more")
expect_match("${_out}" "^No changes" "migrate right after the upgrade (the diff round-trips)")

# ---- Modifying Existing Models: an email field, then NOT NULL with a default
sql(_ignored "INSERT INTO stocks (symbol, name, sector, market_cap) VALUES ('AAPL', 'Apple', 'Tech', 3), ('MSFT', 'Microsoft', 'Tech', 2), ('XOM', 'Exxon', 'Energy', 1)")
sql(_ignored "INSERT INTO sentiment_data (stock_id, source, score) SELECT id, 'news', 0.5 FROM stocks")
edit_models("                           (std::int64_t, market_cap));" "                           (std::int64_t, market_cap),\n                           (std::optional<std::string>, email));")
edit_models("column(\"market_cap\", strata::big_integer).not_null(),"
            "column(\"market_cap\", strata::big_integer).not_null(),\n                    column(\"email\", strata::varchar(255)),")
build("building manage_db with Stock.email")
migrate_revision("add email to stocks" _file _email_id)
expect_file_match("${_file}" "op\\.add_column\\(\"stocks\", strata::column\\(\"email\", strata::varchar\\(255\\)\\)\\);" "the email revision")
build("rebuilding manage_db with the email revision")
run(0 _out upgrade)
sql(_ignored "UPDATE stocks SET email = lower(symbol) || '@example.com'")
edit_models("(std::optional<std::string>, email));" "(std::string, email));")
edit_models("column(\"email\", strata::varchar(255)),\n" "column(\"email\", strata::varchar(255)).not_null().server_default(\"''\"),\n")
build("building manage_db with Stock.email NOT NULL")
migrate_revision("make stocks.email required" _file _required_id)
expect_file_match("${_file}" "    op\\.execute\\(R\"\\(UPDATE \"stocks\" SET \"email\" = '' WHERE \"email\" IS NULL\\)\"\\);\n    op\\.alter_column\\(\"stocks\", \"email\", \\{\\.nullable = false, \\.server_default = \"''\"\\}\\);"
                  "the NOT NULL revision (NULLs filled with the default first)")
build("rebuilding manage_db with the NOT NULL revision")
run(0 _out upgrade)
run(0 _out check)
sql(_rows "SELECT symbol || ':' || email FROM stocks ORDER BY symbol")
expect_match("${_rows}" "^AAPL:aapl@example.com\nMSFT:msft@example.com\nXOM:xom@example.com$" "the stocks after the NOT NULL revision")
sql(_rows "SELECT count(*) FROM sentiment_data")
expect_match("${_rows}" "^3$" "the sentiment rows after the NOT NULL revision (the table was rebuilt on SQLite)")
run(0 _out downgrade -1)
run(0 _out upgrade)

# ---- a rename declared in the models: sector -> industry, the data kept
edit_models("(std::optional<std::string>, sector)," "(std::optional<std::string>, industry),")
edit_models("column(\"sector\", strata::varchar(100))," "column(\"industry\", strata::varchar(100)).renamed_from(\"sector\"),")
build("building manage_db with stocks.industry")
migrate_revision("rename stocks.sector to industry" _file _rename_id)
expect_file_match("${_file}" "op\\.rename_column\\(\"stocks\", \"sector\", \"industry\"\\);" "the rename revision")
expect_file_no_match("${_file}" "drop_column|add_column" "the rename revision")
build("rebuilding manage_db with the rename revision")
run(0 _out upgrade)
run(0 _out check)
sql(_rows "SELECT symbol || ':' || industry FROM stocks ORDER BY symbol")
expect_match("${_rows}" "^AAPL:Tech\nMSFT:Tech\nXOM:Energy$" "the stocks after the rename")

# ---- --from-database: a revision file lost before it was applied here is written again from what
# the database lacks
edit_models("(std::string, email));" "(std::string, email),\n                           (std::optional<std::string>, exchange));")
edit_models("column(\"email\", strata::varchar(255)).not_null().server_default(\"''\"),\n"
            "column(\"email\", strata::varchar(255)).not_null().server_default(\"''\"),\n                    column(\"exchange\", strata::varchar(10)),\n")
build("building manage_db with stocks.exchange")
migrate_revision("add exchange" _lost_file _lost_id)
# Lost: the file is gone. history.hpp goes too, and `init` lists the revision files that are left.
file(REMOVE "${_lost_file}" "${_src}/migrations/history.hpp")
run(0 _out init)
expect_match("${_out}" "^Created ${_src}/migrations/history\\.hpp, listing the 7 revision files of" "init after losing a revision file")
build("rebuilding manage_db without the lost revision")
run(1 _out check)
expect_match("${_out}" "stocks\\.exchange: varchar\\(10\\) in the models, not in the migrations" "check without the lost revision")
migrate_revision("Recreate add exchange" _file _recreated_id --from-database)
expect_file_match("${_file}" "upgrade\\(strata::ops& op\\) \\{\n    op\\.add_column\\(\"stocks\", strata::column\\(\"exchange\", strata::varchar\\(10\\)\\)\\);\n  \\}"
                  "the recreated revision (only what the database lacks)")
build("rebuilding manage_db with the recreated revision")
run(0 _out upgrade)
run(0 _out check)
run(0 _out migrate "nothing left" --from-database)
expect_match("${_out}" "^No changes: the models match the database" "migrate --from-database after the upgrade")
migration_tests("on every revision, the generated ones included")
message(STATUS "the seed's workflows on ${DIALECT}: ok")
