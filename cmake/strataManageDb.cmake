# strata_add_manage_db(): a project's manage_db in two translation units, so that a new revision
# recompiles only the small one that sees the history (docs/manage_db.md):
#
#   strata_add_manage_db(<target>
#     VERSIONS <dir>                the versions folder (relative to the current source folder); its
#                                   history.hpp is what `manage_db migrate` regenerates. Until
#                                   `manage_db init` or the first `migrate` writes it, the program is
#                                   built on an empty history, and a build that finds it reconfigures.
#     [HISTORY_TYPE <type>]         the history history.hpp defines (default: migrations::history)
#     [DIALECTS <dialect>...]       the databases it opens (default: each strata::<dialect> target there is)
#     [REBUILD_COMMAND <text>]      what it tells a user to run when it is stale, its revisions not
#                                   those of the versions folder (default: cmake --build <build folder>
#                                   --target <target>)
#     [MODELS <header> MODELS_TYPE <type>])  the application's models (a struct with `static constexpr
#                                   void declare(strata::model&)`), which `migrate` diffs against the
#                                   history and `check` compares with it; a unit of their own
#                                   (<target>_models.cpp) includes the header, so a change to the
#                                   models recompiles that unit only, and `migrate` does not
#
# <target>_main.cpp (from manage_db_main.cpp.in) holds the command line: CLI11, the configuration and
# the dialects, and no history. <target>_project.cpp (from manage_db_project.cpp.in) includes
# <dir>/history.hpp and returns the program's strata::cli::project; `migrate` changes history.hpp,
# so the build recompiles this unit only, and relinks. <target>_models.cpp (from
# manage_db_models.cpp.in, with MODELS) returns the models, which need a heavier set of headers.
include_guard(GLOBAL)
include(CheckLinkerFlag)

set_property(GLOBAL PROPERTY STRATA_MANAGE_DB_TEMPLATES "${CMAKE_CURRENT_LIST_DIR}")

# After `migrate`, most of manage_db's rebuild is the link of its command line (GNU ld: about 1 s of a
# Debug build's 3.5 s; lld: 0.4 s). Unless the project chose a linker or links with LTO, manage_db is
# linked with lld, or else gold, where the compiler has one. OFF: the toolchain's default linker.
option(STRATA_MANAGE_DB_FAST_LINK "strata_add_manage_db(): link manage_db with lld or gold when there is one" ON)

function(_strata_manage_db_fast_link target)
  if(NOT STRATA_MANAGE_DB_FAST_LINK OR NOT CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang)$" OR APPLE OR WIN32)
    return()
  endif()
  string(TOUPPER "${CMAKE_BUILD_TYPE}" _config)
  if(CMAKE_INTERPROCEDURAL_OPTIMIZATION OR "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_config}} ${CMAKE_EXE_LINKER_FLAGS} ${CMAKE_EXE_LINKER_FLAGS_${_config}}" MATCHES "-flto|-fuse-ld")
    return()
  endif()
  foreach(_linker lld gold)
    string(TOUPPER "${_linker}" _name)
    check_linker_flag(CXX "-fuse-ld=${_linker}" STRATA_LINKER_${_name})
    if(STRATA_LINKER_${_name})
      target_link_options(${target} PRIVATE "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:INTERPROCEDURAL_OPTIMIZATION>>>:-fuse-ld=${_linker}>")
      return()
    endif()
  endforeach()
endfunction()

function(strata_add_manage_db target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "VERSIONS;HISTORY_TYPE;REBUILD_COMMAND;MODELS;MODELS_TYPE" "DIALECTS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "strata_add_manage_db(${target}): unexpected arguments '${ARG_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT ARG_VERSIONS)
    message(FATAL_ERROR "strata_add_manage_db(${target}): name the versions folder with VERSIONS <dir>")
  endif()
  if(ARG_MODELS AND NOT ARG_MODELS_TYPE)
    message(FATAL_ERROR "strata_add_manage_db(${target}): MODELS needs MODELS_TYPE, the type its header defines")
  endif()
  if(NOT TARGET strata::cli)
    message(FATAL_ERROR "strata_add_manage_db(${target}): strata::cli is missing; it needs CLI11 and Boost (Debian: libcli11-dev, libboost-dev)")
  endif()
  if(NOT ARG_HISTORY_TYPE)
    set(ARG_HISTORY_TYPE "migrations::history")
  endif()
  if(NOT ARG_DIALECTS)
    get_property(_known GLOBAL PROPERTY STRATA_DIALECTS)
    list(REMOVE_DUPLICATES _known)
    foreach(_dialect IN LISTS _known)
      if(TARGET strata::${_dialect})
        list(APPEND ARG_DIALECTS ${_dialect})
      endif()
    endforeach()
    if(NOT ARG_DIALECTS)
      message(FATAL_ERROR "strata_add_manage_db(${target}): no strata::<dialect> target is there; install a database client strata supports (docs/building.md)")
    endif()
  endif()
  list(REMOVE_DUPLICATES ARG_DIALECTS)
  set(STRATA_TARGET "${target}")
  set(STRATA_DIALECT_INCLUDES "")
  set(STRATA_DIALECT_TYPES "")
  set(_dialect_targets)
  foreach(_dialect IN LISTS ARG_DIALECTS)
    if(NOT TARGET strata::${_dialect})
      message(FATAL_ERROR "strata_add_manage_db(${target}): there is no strata::${_dialect} target (is its database client installed?)")
    endif()
    list(APPEND _dialect_targets strata::${_dialect})
    string(APPEND STRATA_DIALECT_INCLUDES "#include <strata/dialect/${_dialect}.hpp>\n")
    if(STRATA_DIALECT_TYPES)
      string(APPEND STRATA_DIALECT_TYPES ", ")
    endif()
    string(APPEND STRATA_DIALECT_TYPES "strata::${_dialect}")
  endforeach()

  get_filename_component(_versions "${ARG_VERSIONS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  # CONFIGURE_DEPENDS: a build after `manage_db init` (or the first `migrate`) sees history.hpp appear.
  file(GLOB _list CONFIGURE_DEPENDS "${_versions}/history.hpp")
  if(_list)
    set(STRATA_HISTORY_INCLUDE "#include \"${_versions}/history.hpp\"\n")
    set(STRATA_HISTORY_TYPE "${ARG_HISTORY_TYPE}")
  else()
    set(STRATA_HISTORY_INCLUDE "// ${_versions}/history.hpp does not exist yet (`manage_db init` writes it): no revisions.\n")
    set(STRATA_HISTORY_TYPE "strata::history<>")
  endif()
  if(ARG_REBUILD_COMMAND)
    set(STRATA_REBUILD_COMMAND "${ARG_REBUILD_COMMAND}")
  else()
    set(STRATA_REBUILD_COMMAND "cmake --build ${CMAKE_BINARY_DIR} --target ${target}")
  endif()

  get_property(_templates GLOBAL PROPERTY STRATA_MANAGE_DB_TEMPLATES)
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/${target}_strata")
  set(_sources "${_out}/${target}_main.cpp" "${_out}/${target}_project.cpp")
  set(STRATA_MODELS_DECLARATION "")
  set(STRATA_MODELS_ARGUMENT "")
  if(ARG_MODELS)
    get_filename_component(_models "${ARG_MODELS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(STRATA_MODELS_INCLUDE "#include \"${_models}\"\n")
    set(STRATA_MODELS_TYPE "${ARG_MODELS_TYPE}")
    set(STRATA_MODELS_DECLARATION "strata::model strata_manage_db_models();  // ${target}_models.cpp\n")
    set(STRATA_MODELS_ARGUMENT ", &strata_manage_db_models")
    configure_file("${_templates}/manage_db_models.cpp.in" "${_out}/${target}_models.cpp" @ONLY)
    list(APPEND _sources "${_out}/${target}_models.cpp")
  endif()
  configure_file("${_templates}/manage_db_main.cpp.in" "${_out}/${target}_main.cpp" @ONLY)
  configure_file("${_templates}/manage_db_project.cpp.in" "${_out}/${target}_project.cpp" @ONLY)
  add_executable(${target} ${_sources})
  target_link_libraries(${target} PRIVATE strata::cli ${_dialect_targets})
  _strata_manage_db_fast_link(${target})
endfunction()
