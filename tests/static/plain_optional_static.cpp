// strata::plain_optional, which holds a column's DEFAULT, CHECK and generation expressions and its
// foreign key, and what alter_column changes, behaves as the std::optional it replaced: absent and
// present, compared with a value, with std::nullopt and with a std::optional, assigned a literal,
// reset, converted back; an empty text is a value, not an absence.
#include <strata/strata.hpp>

#include <optional>
#include <string_view>

namespace {

using text = strata::plain_optional<std::string_view>;
using std_text = std::optional<std::string_view>;

static_assert(!text{}.has_value() && !text{} && text{} == std::nullopt && text{} == text{std::nullopt});
static_assert(text{"0"}.has_value() && *text{"0"} == "0" && text{"0"} == "0" && text{"0"} != "1" && text{} != "0");
static_assert(text{"0"} == std_text("0") && std_text("0") == text{"0"} && text{} == std_text{} && text{"0"} != std_text{});
static_assert(text{""} != text{} && text{""} == "" && text{""}.has_value() && text{"0"} == text{"0"} && text{"0"} != text{"1"});
static_assert(text{"x"}.value_or("y") == "x" && text{}.value_or("y") == "y" && text{"x"}.value() == "x");
static_assert(std_text(text{"x"}) == "x" && !std_text(text{}).has_value() && text{std_text("x")} == "x" && !text{std_text{}});
static_assert([] {
  text t;
  t = "x";
  const bool set = t == "x" && t->size() == 1;
  t.reset();
  const bool reset = !t && t == std::nullopt;
  t = "y";
  t = std::nullopt;
  return set && reset && !t;
}());

static_assert(strata::column("n", strata::integer).server_default("0").default_sql == "0");
static_assert(!strata::column("n", strata::integer).default_sql && !strata::column("n", strata::integer).foreign_key);
static_assert(strata::column("n", strata::integer).references("t", "id").foreign_key->table == "t");
static_assert(strata::column("n", strata::integer).check("n > 0").check_sql == "n > 0");
static_assert(strata::column("n", strata::integer).check("n > 0") != strata::column("n", strata::integer));

constexpr strata::column_change change{.nullable = false, .server_default = "0"};
static_assert(change.nullable == false && change.nullable != true && !change.type && change.server_default == "0" && !change.using_sql);
static_assert(strata::column_change{.type = strata::text}.type == strata::text);

}  // namespace
