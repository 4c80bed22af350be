# cli.migrate_rebuild: `manage_db migrate` writes a revision, a rebuild picks it up, and `upgrade`
# applies it. Run with cmake -P and
#   -DSTRATA_SOURCE_DIR=  strata's source folder       -DPROJECT_DIR=  tests/cli_project
#   -DWORK_DIR=           a folder it may wipe         -DGENERATOR= -DMAKE_PROGRAM= -DCXX_COMPILER= -DBUILD_TYPE=
# (`manage_db merge` needs two heads, which migrate never makes: tests/cli_test.cpp covers it.)
cmake_minimum_required(VERSION 3.21)

set(_src "${WORK_DIR}/src")
set(_build "${WORK_DIR}/build")
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
set(_insightbull "${STRATA_SOURCE_DIR}/examples/insightbull")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${_src}")
file(COPY "${PROJECT_DIR}/CMakeLists.txt" "${_insightbull}/strata.ini" "${_insightbull}/migrations" DESTINATION "${_src}")

# ---- build the copy as it is
configure_project()
build("building manage_db")

run(0 _out upgrade)
run(0 _out current)
expect_match("${_out}" "^c7d2a9e1f0b3 \\(head\\)" "current before migrate")

# ---- migrate: a revision file after the head, listed in history.hpp
run(0 _out migrate "add watchlist" --no-autogenerate)
if(NOT _out MATCHES "Generated ([^\n]+\\.hpp)\nRevision ([0-9a-f]+) \\(down revision c7d2a9e1f0b3\\)")
  message(FATAL_ERROR "migrate did not print the file and id of a revision after c7d2a9e1f0b3:\n${_out}")
endif()
set(_file "${CMAKE_MATCH_1}")
set(_id "${CMAKE_MATCH_2}")
string(LENGTH "${_id}" _length)
if(NOT _length EQUAL 12)
  message(FATAL_ERROR "the new revision id '${_id}' is not 12 hex digits")
endif()
if(NOT EXISTS "${_file}")
  message(FATAL_ERROR "migrate printed '${_file}', which does not exist")
endif()
cmake_path(GET _file PARENT_PATH _folder)
cmake_path(COMPARE "${_folder}" EQUAL "${_src}/migrations" _in_folder)
if(NOT _in_folder)
  message(FATAL_ERROR "migrate wrote '${_file}' outside the versions folder ${_src}/migrations")
endif()
file(READ "${_src}/migrations/history.hpp" _list)
expect_match("${_list}" "#include \"${_id}_add_watchlist.hpp\"" "history.hpp")

# The program not yet rebuilt does not know it, and says so: status warns, upgrade refuses, each
# with the command that rebuilds it.
run(0 _out heads)
expect_match("${_out}" "^c7d2a9e1f0b3 \\(head\\)" "heads before the rebuild")
run(1 _out validate)
expect_match("${_out_err}" "revision '${_id}' .* rebuild manage_db" "validate before the rebuild")
run(0 _out status)
expect_match("${_out_err}" "stale: it lacks 1 revision .*'${_id} in ${_id}_add_watchlist.hpp'.*cmake --build ${_build} --target manage_db"
             "status before the rebuild")
run(1 _out upgrade)
expect_match("${_out_err}" "upgrades nothing; rebuild it with 'cmake --build ${_build} --target manage_db'" "upgrade before the rebuild")

# ---- rebuild: the new revision is the head, pending, then applied
build("rebuilding manage_db")
run(0 _out heads)
expect_match("${_out}" "^${_id} \\(head\\), add watchlist\n$" "heads after the rebuild")
run(0 _out heads --json)
expect_match("${_out}" "^\\{\"heads\": \\[\"${_id}\"\\]\\}" "heads --json after the rebuild")
run(0 _out history)
expect_match("${_out}" "c7d2a9e1f0b3 \\(current\\), Add market_cap to stocks\nc7d2a9e1f0b3 -> ${_id} \\(head\\), add watchlist\n"
             "history after the rebuild")
run(0 _out status)
expect_match("${_out}" "Pending: +1 revision\n  ${_id}  add watchlist" "status after the rebuild")
run(0 _out upgrade)
expect_match("${_out}" "Running upgrade c7d2a9e1f0b3 -> ${_id}, add watchlist" "upgrade after the rebuild")
run(0 _out current --json)
expect_match("${_out}" "^\\{\"current\": \\[\"${_id}\"\\]\\}" "current after the upgrade")
run(0 _out validate)
expect_match("${_out}" "Versions folder: ok, 4 revision files" "validate after the upgrade")
run(0 _out downgrade -1)
run(0 _out current --json)
expect_match("${_out}" "^\\{\"current\": \\[\"c7d2a9e1f0b3\"\\]\\}" "current after downgrade -1")
message(STATUS "migrate, rebuild, upgrade: ok (new head ${_id})")
