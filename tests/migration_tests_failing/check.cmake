# Runs PROGRAM (tests of a broken history) and requires it to fail, with GoogleTest's FAILED and
# the message naming the broken revision. PASS_REGULAR_EXPRESSION alone would accept any one match
# whatever the exit code.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
message("${output}")
if(result EQUAL 0)
  message(FATAL_ERROR "the tests of the broken history passed; they must fail")
endif()
foreach(expected IN ITEMS
    "revision 'e5e5e5e5e5e5' \\(index accounts\\.email\\): downgrade did not undo the upgrade: index 'ix_accounts_email' \\(on 'accounts'\\) is there after the downgrade"
    "\\[  FAILED  \\] StrataMigrations_sqlite\\.Stairway")
  if(NOT output MATCHES "${expected}")
    message(FATAL_ERROR "the output lacks: ${expected}")
  endif()
endforeach()
