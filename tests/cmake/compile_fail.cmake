# Compile-fail test driver (cmake -P): compiles SOURCE and passes only when the compiler fails AND
# its output matches every `// expect-error: <regex>` line of SOURCE (CMake regex syntax, matched
# against the whole output, as printed or with \' and \" unescaped; the compiler runs with
# LC_ALL=C, so GCC quotes with plain ').
#   cmake -DCONFIG=<compile_fail_config.cmake> -DSOURCE=<file.cpp> -P compile_fail.cmake
# CONFIG, written by tests/CMakeLists.txt, sets STRATA_CXX, STRATA_CXX_FLAGS, STRATA_INCLUDE_DIRS,
# STRATA_DEFINITIONS and STRATA_IMPLICIT_INCLUDE_DIRS.
cmake_minimum_required(VERSION 3.21)

if(NOT DEFINED CONFIG OR NOT DEFINED SOURCE)
  message(FATAL_ERROR "usage: cmake -DCONFIG=<config.cmake> -DSOURCE=<file.cpp> -P compile_fail.cmake")
endif()
include("${CONFIG}")
# With -DCXX=<compiler> -DEXPECT=<tag>, another compiler (clang++) and its own `// <tag>: <regex>`
# lines (expect-clang-error): what each compiler prints differs.
if(DEFINED CXX)
  set(STRATA_CXX "${CXX}")
endif()
if(NOT DEFINED EXPECT)
  set(EXPECT "expect-error")
endif()

# Expected messages. ';', '[' and ']' would split or glue CMake list items: hide them meanwhile.
file(READ "${SOURCE}" _text)
string(REPLACE ";" "<strata-semicolon>" _text "${_text}")
string(REPLACE "[" "<strata-lbracket>" _text "${_text}")
string(REPLACE "]" "<strata-rbracket>" _text "${_text}")
string(REPLACE "\n" ";" _lines "${_text}")
set(_expected)
foreach(_line IN LISTS _lines)
  if(_line MATCHES "^[ \t]*//[ \t]*${EXPECT}:[ \t]*(.*[^ \t\r])[ \t\r]*$")
    list(APPEND _expected "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(NOT _expected)
  message(FATAL_ERROR "${SOURCE} has no `// ${EXPECT}: <regex>` line: "
                      "a compile-fail test must say which error it expects")
endif()

# The compiler's own directories (/usr/include) stay off the command line: -I on them breaks
# libstdc++'s #include_next.
set(_implicit)
foreach(_dir IN LISTS STRATA_IMPLICIT_INCLUDE_DIRS)
  file(REAL_PATH "${_dir}" _dir)
  list(APPEND _implicit "${_dir}")
endforeach()
set(_args ${STRATA_CXX_FLAGS})
foreach(_dir IN LISTS STRATA_INCLUDE_DIRS)
  if(_dir)
    file(REAL_PATH "${_dir}" _real)
    if(NOT _real IN_LIST _implicit)
      list(APPEND _args "-I${_dir}")
    endif()
  endif()
endforeach()
foreach(_definition IN LISTS STRATA_DEFINITIONS)
  if(_definition)
    list(APPEND _args "-D${_definition}")
  endif()
endforeach()

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C LANG=C "${STRATA_CXX}" ${_args} "${SOURCE}"
  RESULT_VARIABLE _result
  OUTPUT_VARIABLE _output
  ERROR_VARIABLE _output)

string(REPLACE ";" " " _command "${STRATA_CXX};${_args};${SOURCE}")
# message(NOTICE) prints as is; FATAL_ERROR would re-wrap the compiler's lines.
set(_details "command: ${_command}\n---- compiler output (exit ${_result}) ----\n${_output}---- end of compiler output ----")
if(_result EQUAL 0)
  message(NOTICE "${_details}")
  message(FATAL_ERROR "${SOURCE} compiled, but it must fail to compile")
endif()

# GCC prints a fixed_string template argument as a C string literal ("revision \'c7d2\'"): a
# regex may be written against the message as the user reads it, quotes unescaped.
set(_unescaped "${_output}")
string(REPLACE "\\'" "'" _unescaped "${_unescaped}")
string(REPLACE "\\\"" "\"" _unescaped "${_unescaped}")

set(_missing "")
foreach(_regex IN LISTS _expected)
  string(REPLACE "<strata-semicolon>" ";" _regex "${_regex}")
  string(REPLACE "<strata-lbracket>" "[" _regex "${_regex}")
  string(REPLACE "<strata-rbracket>" "]" _regex "${_regex}")
  if(NOT _output MATCHES "${_regex}" AND NOT _unescaped MATCHES "${_regex}")
    string(APPEND _missing "  ${_regex}\n")
  endif()
endforeach()
if(_missing)
  message(NOTICE "${_details}\nexpect-error regex(es) that match nothing above:\n${_missing}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with the expected error")
endif()

list(LENGTH _expected _count)
message(STATUS "${SOURCE} failed to compile as expected (${_count} expect-error line(s) matched)")
