// strata::owned_schema: a strata::schema that keeps the text its names point to (a live database's
// schema, read by Inspectable::inspect()).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <strata/schema.hpp>

namespace strata {

// strata::schema holds string_views, since a history's names are literals that outlive it; a schema
// read from a database needs somewhere for its text to live. owned_schema keeps each piece of text in
// a heap block of its own that never moves, so the views stay valid when the owned_schema is moved.
// It cannot be copied: a copy's views would point into the original. A view taken from it (a table's
// name, a strata::schema copied out of it) is valid as long as the owned_schema it came from lives.
//
//   const auto live = dialect.inspect();
//   for (const auto& t : live->tables) ...;   const auto differences = strata::differences(expected, *live);
class owned_schema {
 public:
  owned_schema() = default;
  owned_schema(owned_schema&&) noexcept = default;
  owned_schema& operator=(owned_schema&&) noexcept = default;
  owned_schema(const owned_schema&) = delete;
  owned_schema& operator=(const owned_schema&) = delete;
  ~owned_schema() = default;

  [[nodiscard]] const schema& get() const noexcept { return schema_; }
  // For building it: views put in must come from keep() (or outlive this object).
  [[nodiscard]] schema& get() noexcept { return schema_; }
  [[nodiscard]] const schema& operator*() const noexcept { return schema_; }
  [[nodiscard]] const schema* operator->() const noexcept { return &schema_; }

  // Keeps a copy of the text for as long as this object lives, and returns a view of the copy.
  std::string_view keep(std::string_view text) {
    if (text.empty()) return {};
    return *text_.emplace_back(std::make_unique<const std::string>(text));
  }

 private:
  std::vector<std::unique_ptr<const std::string>> text_;  // declared first: destroyed after schema_
  schema schema_;
};

}  // namespace strata
