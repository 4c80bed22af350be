// The schema the application wants, declared once: `manage_db migrate` writes the revisions that
// build it, `manage_db check` says whether they do.
#pragma once

#include <strata/model.hpp>

struct models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(),
                       strata::column("symbol", strata::varchar(10)).not_null().unique()});
  }
};
