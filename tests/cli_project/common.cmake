# What the cmake -P scripts of tests/cli_project share: a project configured and built apart (with
# the compiler and generator of the build that runs them), and its manage_db run. Each script sets
# _src (the project's folder) and _build (its build folder) before including this file, and is run with
#   -DSTRATA_SOURCE_DIR=  strata's source folder       -DPROJECT_DIR=  tests/cli_project
#   -DWORK_DIR=           a folder it may wipe         -DGENERATOR= -DMAKE_PROGRAM= -DCXX_COMPILER= -DBUILD_TYPE=
foreach(_var IN ITEMS STRATA_SOURCE_DIR PROJECT_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "${CMAKE_CURRENT_LIST_FILE} needs -D${_var}=...")
  endif()
endforeach()

# manage_db must follow the project's strata.ini only.
unset(ENV{DATABASE_URL})
unset(ENV{STRATA_CONFIG})

set(_manage_db "${_build}/manage_db")

# configure_project([-D...]): the extra arguments are more cache settings.
function(configure_project)
  set(_options -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DSTRATA_SOURCE_DIR=${STRATA_SOURCE_DIR}" ${ARGN})
  if(MAKE_PROGRAM)
    list(APPEND _options "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(BUILD_TYPE)
    list(APPEND _options "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${_src}" -B "${_build}" ${_options}
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "configuring ${_src} failed (${_rc}):\n${_out}")
  endif()
endfunction()

# build(<what> [<output variable>]): a plain `cmake --build`, as a user runs it after `manage_db migrate`.
function(build what)
  message(STATUS "${what}")
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${_build}"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${_rc}):\n${_out}")
  endif()
  if(ARGC GREATER 1)
    set(${ARGV1} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

# expect_compiled(<build output> <what> <unit>...): the build compiled exactly these of manage_db's
# generated units (main, project, models).
function(expect_compiled output what)
  foreach(_unit IN ITEMS main project models)
    string(FIND "${output}" "manage_db_${_unit}.cpp.o" _at)
    if(_unit IN_LIST ARGN AND _at EQUAL -1)
      message(FATAL_ERROR "${what} did not compile manage_db_${_unit}.cpp:\n${output}")
    elseif(NOT _unit IN_LIST ARGN AND NOT _at EQUAL -1)
      message(FATAL_ERROR "${what} compiled manage_db_${_unit}.cpp again:\n${output}")
    endif()
  endforeach()
endfunction()

# run(<expected exit status> <output variable> args...): runs manage_db in the project's folder;
# stdout in <output variable>, stderr in <output variable>_err.
function(run expected out_var)
  execute_process(COMMAND "${_manage_db}" ${ARGN} WORKING_DIRECTORY "${_src}"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  string(REPLACE ";" " " _args "${ARGN}")
  message(STATUS "manage_db ${_args} -> ${_rc}\n${_out}${_err}")
  if(NOT "${_rc}" STREQUAL "${expected}")
    message(FATAL_ERROR "manage_db ${_args} exited with ${_rc}, expected ${expected}:\n${_out}${_err}")
  endif()
  set(${out_var} "${_out}" PARENT_SCOPE)
  set(${out_var}_err "${_err}" PARENT_SCOPE)
endfunction()

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: '${regex}' not found in:\n${text}")
  endif()
endfunction()
