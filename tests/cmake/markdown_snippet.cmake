# markdown_snippet(<file.md> <name> <out-var>): the text of the fenced block that follows the line
# `<!-- snippet: <name> -->` in a Markdown page, without its fences. Tests build what the pages show
# from it (README.md's ways to use strata, docs/testing.md's fixture), so a page and its test cannot
# drift apart. Works in a project and in cmake -P scripts.
function(markdown_snippet file name out)
  file(READ "${file}" _text)
  get_filename_component(_page "${file}" NAME)
  set(_marker "<!-- snippet: ${name} -->")
  string(FIND "${_text}" "${_marker}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${_page} has no snippet '${name}': put `${_marker}` on the line before its fenced block")
  endif()
  string(SUBSTRING "${_text}" ${_at} -1 _text)
  string(FIND "${_text}" "```" _open)
  if(_open EQUAL -1)
    message(FATAL_ERROR "${_page}: no fenced block follows `${_marker}`")
  endif()
  string(SUBSTRING "${_text}" ${_open} -1 _text)
  string(FIND "${_text}" "\n" _eol)  # the end of the opening fence's line
  math(EXPR _eol "${_eol} + 1")
  string(SUBSTRING "${_text}" ${_eol} -1 _text)
  string(FIND "${_text}" "```" _close)
  if(_close EQUAL -1)
    message(FATAL_ERROR "${_page}: the fenced block of snippet '${name}' is not closed")
  endif()
  string(SUBSTRING "${_text}" 0 ${_close} _text)
  set(${out} "${_text}" PARENT_SCOPE)
endfunction()
