# cli.from_nothing: docs/getting_started.md's walkthrough, from a project without a versions folder to
# its first upgrade, each step as a user types it: build manage_db (on an empty history and the
# models of new_project/models.hpp), init, check (the models ahead), migrate (revision one, a base
# revision diffed from the models), a plain `cmake --build`, upgrade, downgrade, upgrade, check.
# Run with cmake -P and the variables of common.cmake.
cmake_minimum_required(VERSION 3.21)

set(_src "${WORK_DIR}/src")
set(_build "${WORK_DIR}/build")
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${_src}")
file(COPY "${PROJECT_DIR}/new_project/CMakeLists.txt" "${PROJECT_DIR}/new_project/models.hpp" DESTINATION "${_src}")
file(WRITE "${_src}/strata.ini" "[strata]\nurl = sqlite:///./data/stocks.db\n")

# ---- manage_db builds and works before there is any revision
configure_project()
build("building manage_db with no versions folder")
run(0 _out status)
expect_match("${_out}" "Current: +base\nHeads: +none" "status before init")
run(0 _out upgrade)
expect_match("${_out}" "^Nothing to upgrade: the database is at base\\.\n$" "upgrade before init")

# ---- init: the versions folder with an empty history.hpp
run(0 _out init)
expect_match("${_out}" "^Created ${_src}/migrations/history\\.hpp, an empty history\\." "init")
file(READ "${_src}/migrations/history.hpp" _list)
expect_match("${_list}" "using history = strata::history<>;" "history.hpp after init")
build("rebuilding manage_db after init")
run(0 _out status)
expect_match("${_out}" "Heads: +none" "status after init")

# ---- migrate: revision one, diffed from the models, then a rebuild and the upgrade
run(1 _out check)
expect_match("${_out}" "^stocks: a table in the models, not in the migrations\n$" "check before revision one")
run(0 _out migrate -m "create stocks")
if(NOT _out MATCHES "Generated ([^\n]+\\.hpp)\nRevision ([0-9a-f]+) \\(down revision base\\)")
  message(FATAL_ERROR "migrate did not write a base revision:\n${_out}")
endif()
set(_file "${CMAKE_MATCH_1}")
set(_id "${CMAKE_MATCH_2}")
run(1 _out upgrade)  # not rebuilt yet: refused, with the command that rebuilds it
expect_match("${_out_err}" "stale.*cmake --build ${_build} --target manage_db" "upgrade before the rebuild")
file(READ "${_file}" _revision)
expect_match("${_revision}" "op\\.create_table\\(\"stocks\",\n +\\{strata::column\\(\"id\", strata::integer\\)\\.primary_key\\(\\),\n +strata::column\\(\"symbol\", strata::varchar\\(10\\)\\)\\.not_null\\(\\)\\.unique\\(\\)\\}\\);.*op\\.drop_table\\(\"stocks\"\\);"
             "revision one as migrate wrote it")
build("rebuilding manage_db after migrate")

run(0 _out upgrade)
expect_match("${_out}" "Running upgrade base -> ${_id}, create stocks\n" "upgrade after the rebuild")
run(0 _out current)
expect_match("${_out}" "^${_id} \\(head\\), create stocks\n$" "current after the upgrade")
run(0 _out status)
expect_match("${_out}" "Up to date" "status after the upgrade")
run(0 _out downgrade -1)
expect_match("${_out}" "Running downgrade ${_id} -> base, create stocks\n" "downgrade -1")
run(0 _out upgrade)
run(0 _out check)
expect_match("${_out}" "^The models match the migrations at head ${_id}\\.\n$" "check after the upgrade")
message(STATUS "from nothing to the first upgrade: ok (revision ${_id})")
