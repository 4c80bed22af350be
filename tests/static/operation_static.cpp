// strata::operation, the tagged union that holds a recorded operation, behaves as the std::variant it
// replaced, in constant evaluation: each alternative at its index; copies independent of their
// source; moves and assignments within one alternative and across two (the storage the old one held
// destroyed, the new one built: a leak or a double destruction is no constant expression); equality;
// get_if, holds_alternative and visit; a recording that grows its list past its room keeps every
// operation; and create_table's mixed list of columns and constraints.
#include <strata/strata.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using strata::operation;
namespace op = strata::op;

constexpr op::create_table table(std::string_view name) {
  return {name, {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::text)}, {strata::unique({"name"})}, {}};
}
constexpr op::create_index index(std::string_view name) { return {name, "t", {"a", "b"}, {}}; }

// The order is the checksum's canonical form and the frozen operations' kind: it must not move.
static_assert(operation::alternatives == 14);
static_assert(operation::index_of<op::create_table> == 0 && operation::index_of<op::drop_table> == 1 &&
              operation::index_of<op::add_column> == 3 && operation::index_of<op::create_index> == 9 &&
              operation::index_of<op::run> == 12 && operation::index_of<op::backfill> == 13);
static_assert(std::is_same_v<operation::alternative<8>, op::drop_constraint> && std::is_same_v<operation::alternative<11>, op::execute>);
static_assert(!operation::is_alternative<strata::column> && operation::index_of<int> == operation::alternatives);
// A converting constructor for the alternatives only.
static_assert(std::is_convertible_v<op::drop_index, operation> && !std::is_constructible_v<operation, int> &&
              !std::is_constructible_v<operation, strata::column>);

static_assert(operation(op::drop_table{"t"}).index() == 1 && operation(table("t")).index() == 0 && operation(op::execute{"x"}).index() == 11);
static_assert(strata::holds_alternative<op::create_index>(operation(index("ix"))));
static_assert(!strata::holds_alternative<op::drop_index>(operation(index("ix"))));

// get_if: the alternative held, null for another and for a null pointer.
static_assert([] {
  operation o = index("ix");
  const operation& c = o;
  return strata::get_if<op::create_index>(&o)->columns.size() == 2 && strata::get_if<op::create_index>(&c)->name == "ix" &&
         strata::get_if<op::drop_index>(&o) == nullptr && strata::get_if<op::create_index>(static_cast<operation*>(nullptr)) == nullptr &&
         strata::get<op::create_index>(c).table == "t";
}());

// A copy is equal and independent of its source.
static_assert([] {
  operation a = table("t");
  operation b = a;
  const bool equal = a == b;
  strata::get_if<op::create_table>(&b)->columns.pop_back();
  return equal && a != b && strata::get<op::create_table>(a).columns.size() == 2 && strata::get<op::create_table>(b).columns.size() == 1;
}());

// A move takes the source's vectors; the source keeps its alternative.
static_assert([] {
  operation a = table("t");
  operation b = std::move(a);
  return b.index() == 0 && strata::get<op::create_table>(b).columns.size() == 2 && a.index() == 0 &&
         strata::get<op::create_table>(a).columns.empty();   // NOLINT(bugprone-use-after-move): as std::vector leaves it
}());

// Assignment within one alternative and across two, both ways, copies and moves, and onto itself.
static_assert([] {
  operation a = table("t");
  operation b = op::drop_table{"u"};
  a = b;   // a vector-holding alternative replaced by a trivial one
  const bool copied = a == b && a.index() == 1;
  a = operation(index("ix"));   // and back, moved
  const bool moved = strata::get<op::create_index>(a).columns.size() == 2;
  a = operation(index("iy"));   // the same alternative
  const bool same = strata::get<op::create_index>(a).name == "iy";
  operation c = table("v");
  c = a;
  const bool across = c == a && c.index() == 9;
  auto& self = c;
  c = self;
  c = std::move(self);
  return copied && moved && same && across && c.index() == 9 && strata::get<op::create_index>(c).name == "iy";
}());

// Equality compares the alternative, then its value.
static_assert(operation(op::drop_table{"t"}) == operation(op::drop_table{"t"}));
static_assert(operation(op::drop_table{"t"}) != operation(op::drop_table{"u"}));
static_assert(operation(op::drop_table{"t"}) != operation(op::drop_index{"t", {}}));
static_assert(operation(table("t")) == operation(table("t")) && operation(table("t")) != operation(table("u")));

// visit hands over the alternative held, as it is (const or not), and returns what f returns.
static_assert([] {
  operation o = op::rename_table{"a", "b"};
  const std::string_view seen = strata::visit(
      [](const auto& x) -> std::string_view {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, op::rename_table>) return x.new_name;
        else return "other";
      },
      o);
  o.visit([](auto& x) {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, op::rename_table>) x.new_name = "c";
  });
  return seen == "b" && strata::get<op::rename_table>(o).new_name == "c" && strata::table_of(o) == "a";
}());

// A vector of operations that grows (and so moves each into new room) keeps every one.
static_assert([] {
  strata::ops recorded;
  for (int i = 0; i < 20; ++i) {
    recorded.create_table("t", {strata::column("id", strata::integer)});
    recorded.create_index("ix", "t", {"id"});
    recorded.drop_index("ix");
  }
  std::vector<operation> copy = recorded.operations();
  std::size_t columns = 0;
  for (const auto& o : copy)
    if (const auto* t = strata::get_if<op::create_table>(&o)) columns += t->columns.size();
  return recorded.size() == 60 && copy.size() == 60 && columns == 20 && strata::holds_alternative<op::drop_index>(copy.back()) &&
         strata::get<op::create_index>(copy[58]).columns.size() == 1;
}());

// create_table with columns and constraints mixed: each in its list, in order.
static_assert([] {
  strata::ops recorded;
  recorded.create_table("t", {strata::column("a", strata::integer), strata::unique({"a"}), strata::column("b", strata::text),
                              strata::check("ck_b", "b <> ''")});
  const auto& t = strata::get<op::create_table>(recorded.operations()[0]);
  return t.columns.size() == 2 && t.columns[1].name == "b" && t.constraints.size() == 2 &&
         t.constraints[0].kind == strata::constraint_kind::unique && t.constraints[1].name == "ck_b";
}());

}  // namespace
