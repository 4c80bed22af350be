// A versions folder as `manage_db migrate` writes it (revision_source/generate.cpp: every kind of
// operation), compiled with nothing of strata but the single header: its history builds, and the
// revision records the operations it was written from.
#include <strata/strata.hpp>

#include <iostream>

#include "revision_source/cases.hpp"
#include "single_header_versions/history.hpp"  // generated

static_assert(migrations::history::size == 1 && migrations::history::heads.size() == 1);

int main() {
  strata::ops original;
  strata_test::source_cases::record(original);
  const auto written = migrations::history::revisions[0].record_upgrade();
  if (!(written.operations() == original.operations())) {
    std::cerr << "single header: the written revision does not record the operations it was written from\n";
    return 1;
  }
  std::cout << "single header: the written revision compiles and records " << written.size() << " operations\n";
  return 0;
}
