# Builds and runs one way of consuming strata exactly as README.md shows it (cmake -P; tests/CMakeLists.txt
# registers one test per MODE). The snippets are read from README.md between a `<!-- snippet: NAME -->`
# line and the end of the fenced block after it, so the page and the test cannot drift apart. A project
# here is the snippet plus a main.cpp of this folder (main.cpp: SQLite; main_postgresql.cpp).
#
#   -DMODE=find_package|add_subdirectory|fetchcontent|single_header_sqlite|single_header_postgresql
#   -DREADME=<README.md> -DSOURCE_DIR=<strata's source tree> -DWORK_DIR=<scratch folder, emptied first>
#   -DCXX=<C++ compiler for the CMake projects> -DGENERATOR=<CMake generator>
#
# The single-header commands run as written (with the g++ they name). FetchContent cannot reach the
# network here: the snippet's two placeholders (GIT_REPOSITORY's URL and GIT_TAG's commit) are replaced
# with a file:// repository made of this source tree and the hash of its one commit; nothing else is.

foreach(_var IN ITEMS MODE README SOURCE_DIR WORK_DIR CXX GENERATOR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "readme.cmake needs -D${_var}=...")
  endif()
endforeach()
set(CONSUMER_DIR "${CMAKE_CURRENT_LIST_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/../cmake/markdown_snippet.cmake")
function(readme_snippet name out)
  markdown_snippet("${README}" ${name} _text)
  set(${out} "${_text}" PARENT_SCOPE)
endfunction()

function(run)
  cmake_parse_arguments(R "" "WORKING_DIRECTORY;OUTPUT" "COMMAND" ${ARGN})
  list(JOIN R_COMMAND " " _shown)
  message(STATUS "$ ${_shown}")
  execute_process(COMMAND ${R_COMMAND} WORKING_DIRECTORY "${R_WORKING_DIRECTORY}"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  message("${_out}")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "failed (${_rc}): ${_shown}")
  endif()
  if(R_OUTPUT)
    set(${R_OUTPUT} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

# A shell snippet, as written, in `dir`.
function(run_shell name dir)
  readme_snippet(${name} _script)
  message(STATUS "README.md snippet '${name}':\n${_script}")
  run(COMMAND bash -e -c "${_script}" WORKING_DIRECTORY "${dir}")
endfunction()

# The program the project built: it migrates its database and prints the revision it ends at.
function(run_app program dir)
  run(COMMAND "${program}" WORKING_DIRECTORY "${dir}" OUTPUT _out)
  if(NOT _out MATCHES "a1b2c3d4e5f6" AND NOT _out MATCHES "no PostgreSQL server")
    message(FATAL_ERROR "${program} did not report the revision a1b2c3d4e5f6")
  endif()
endfunction()

# A CMake project of `dir`: configured, built, its program run.
function(build_project dir build)
  run(COMMAND "${CMAKE_COMMAND}" -S "${dir}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" ${ARGN} WORKING_DIRECTORY "${WORK_DIR}")
  run(COMMAND "${CMAKE_COMMAND}" --build "${build}" WORKING_DIRECTORY "${WORK_DIR}")
  run_app("${build}/app" "${WORK_DIR}")
endfunction()

# strata as a subproject (`strata_build`: its binary folder): its tests, examples and benchmarks are
# not built, and the project's `cmake --install` installs the project's program and nothing of
# strata's, until STRATA_INSTALL=ON asks for it.
function(check_subproject build strata_build)
  foreach(_part IN ITEMS tests examples benchmarks)
    if(EXISTS "${strata_build}/${_part}")
      message(FATAL_ERROR "strata added its ${_part} inside a consumer project (${strata_build}/${_part})")
    endif()
  endforeach()
  set(_prefix "${WORK_DIR}/installed")
  run(COMMAND "${CMAKE_COMMAND}" --install "${build}" --prefix "${_prefix}" WORKING_DIRECTORY "${WORK_DIR}")
  file(GLOB_RECURSE _files RELATIVE "${_prefix}" "${_prefix}/*")
  if(NOT _files STREQUAL "bin/app")
    list(LENGTH _files _count)
    list(FILTER _files EXCLUDE REGEX "^bin/app$")
    list(GET _files 0 _first)
    message(FATAL_ERROR "a consumer's cmake --install installed ${_count} files (${_first} ...); expected bin/app alone (strata installs itself only with STRATA_INSTALL=ON)")
  endif()
  set(_prefix "${WORK_DIR}/installed_with_strata")
  run(COMMAND "${CMAKE_COMMAND}" -DSTRATA_INSTALL=ON "${build}" WORKING_DIRECTORY "${WORK_DIR}")
  run(COMMAND "${CMAKE_COMMAND}" --install "${build}" --prefix "${_prefix}" WORKING_DIRECTORY "${WORK_DIR}")
  foreach(_file IN ITEMS include/strata/strata.hpp share/cmake/strata/strataConfig.cmake)
    if(NOT EXISTS "${_prefix}/${_file}")
      message(FATAL_ERROR "with -DSTRATA_INSTALL=ON a consumer's cmake --install did not install ${_file}")
    endif()
  endforeach()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(ENV{CXX} "${CXX}")
set(ENV{CMAKE_GENERATOR} "${GENERATOR}")

if(MODE STREQUAL "find_package")
  # strata installed under $HOME/.local as the snippet says, with HOME a folder of the test.
  file(MAKE_DIRECTORY "${WORK_DIR}/home")
  set(ENV{HOME} "${WORK_DIR}/home")
  file(CREATE_LINK "${SOURCE_DIR}" "${WORK_DIR}/strata" SYMBOLIC)
  readme_snippet(find_package _cmake)
  file(WRITE "${WORK_DIR}/app/CMakeLists.txt" "${_cmake}")
  configure_file("${CONSUMER_DIR}/main.cpp" "${WORK_DIR}/app/main.cpp" COPYONLY)
  run_shell(install "${WORK_DIR}")
  run_app("${WORK_DIR}/app-build/app" "${WORK_DIR}")
elseif(MODE STREQUAL "add_subdirectory")
  readme_snippet(add_subdirectory _cmake)
  file(WRITE "${WORK_DIR}/app/CMakeLists.txt" "${_cmake}")
  configure_file("${CONSUMER_DIR}/main.cpp" "${WORK_DIR}/app/main.cpp" COPYONLY)
  file(MAKE_DIRECTORY "${WORK_DIR}/app/third_party")
  file(CREATE_LINK "${SOURCE_DIR}" "${WORK_DIR}/app/third_party/strata" SYMBOLIC)
  build_project("${WORK_DIR}/app" "${WORK_DIR}/app-build")
  check_subproject("${WORK_DIR}/app-build" "${WORK_DIR}/app-build/third_party/strata")
elseif(MODE STREQUAL "fetchcontent")
  # A git repository of this source tree (what a checkout of strata holds that its CMake reads), one commit.
  set(_repo "${WORK_DIR}/strata.git")
  file(MAKE_DIRECTORY "${_repo}")
  foreach(_part IN ITEMS CMakeLists.txt cmake include tests examples benchmarks)
    if(EXISTS "${SOURCE_DIR}/${_part}")
      file(COPY "${SOURCE_DIR}/${_part}" DESTINATION "${_repo}")
    endif()
  endforeach()
  find_program(GIT git REQUIRED)
  set(_git "${GIT}" -c user.name=strata-test -c user.email=strata-test@localhost -c init.defaultBranch=main)
  run(COMMAND ${_git} init -q WORKING_DIRECTORY "${_repo}")
  run(COMMAND ${_git} add -A WORKING_DIRECTORY "${_repo}")
  run(COMMAND ${_git} commit -q -m "strata, for the FetchContent test" WORKING_DIRECTORY "${_repo}")
  run(COMMAND ${_git} rev-parse HEAD WORKING_DIRECTORY "${_repo}" OUTPUT _hash)
  string(STRIP "${_hash}" _hash)

  readme_snippet(fetchcontent _cmake)
  string(REGEX REPLACE "GIT_REPOSITORY +[^ \n]+" "GIT_REPOSITORY file://${_repo}" _cmake "${_cmake}")
  string(REGEX REPLACE "GIT_TAG +[^ \n)]+" "GIT_TAG ${_hash}" _cmake "${_cmake}")
  if(NOT _cmake MATCHES "file://" OR NOT _cmake MATCHES "${_hash}")
    message(FATAL_ERROR "README.md's fetchcontent snippet has no `GIT_REPOSITORY <url>` and `GIT_TAG <commit>` to point at a local repository")
  endif()
  message(STATUS "README.md snippet 'fetchcontent', its placeholders replaced:\n${_cmake}")
  file(WRITE "${WORK_DIR}/app/CMakeLists.txt" "${_cmake}")
  configure_file("${CONSUMER_DIR}/main.cpp" "${WORK_DIR}/app/main.cpp" COPYONLY)
  build_project("${WORK_DIR}/app" "${WORK_DIR}/app-build")
  check_subproject("${WORK_DIR}/app-build" "${WORK_DIR}/app-build/_deps/strata-build")
elseif(MODE MATCHES "^single_header_(sqlite|postgresql)$")
  set(_main "${CONSUMER_DIR}/main.cpp")
  if(MODE STREQUAL "single_header_postgresql")
    set(_main "${CONSUMER_DIR}/main_postgresql.cpp")
  endif()
  file(CREATE_LINK "${SOURCE_DIR}" "${WORK_DIR}/strata" SYMBOLIC)
  configure_file("${_main}" "${WORK_DIR}/main.cpp" COPYONLY)
  run_shell(${MODE} "${WORK_DIR}")
  run_app("${WORK_DIR}/app" "${WORK_DIR}")
else()
  message(FATAL_ERROR "readme.cmake: unknown MODE '${MODE}'")
endif()
