// strata::detail: the compile-time checks of a revision graph, and their messages.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <strata/fixed_string.hpp>

namespace strata {

// The faults of a revision graph as named types (sqlpp11's named assertions), for clang: it prints a
// class-type template argument, and so a message assembled at compile time, as character codes,
// but prints a type readably. Where the history is invalid, clang's one error line names the fault
// and the revision structs concerned, the first being the one to change:
//   static_assert failed due to requirement 'strata::detail::graph_ok<strata::revisions_are_in_a_cycle<r1, r3>>'
// GCC prints the message itself, with the ids (detail::graph_message). Never defined.
template <class Revision> struct revision_id_is_malformed;                  // use 1 to 32 characters from [0-9a-z_]
template <class Revision> struct revision_names_a_malformed_down_id;        // or strata::base for the first revision
template <class Revision, class Again> struct revision_id_appears_twice;    // give each revision its own id
template <class Revision> struct revision_names_itself_as_down_revision;    // name the revision it follows
template <class Revision> struct revision_names_a_down_revision_not_in_the_list;  // add that revision or fix the id
template <class Revision, class Down> struct revision_is_listed_before_its_down_revision;  // move Down before it
template <class Revision, class Other> struct revisions_are_in_a_cycle;     // make one follow an earlier revision
template <class Revision, class Base> struct history_has_two_bases;         // give Base the revision it follows
template <class First> struct history_has_no_base;                          // give First strata::base
template <class... Heads> struct history_has_several_heads_to_merge;        // manage_db merge -m "merge heads" heads

}  // namespace strata

namespace strata::detail {

// FNV-1a: GCC's constant evaluator is slow at string comparison, so the graph checks compare
// 64-bit hashes first and strings only on a hash match.
constexpr std::uint64_t hash_id(std::string_view id) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

constexpr bool well_formed_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

enum class graph_fault : std::uint8_t { none, malformed_id, malformed_down_id, duplicate_id, self_down, unknown_down, later_down, several_bases, no_base, cycle };

constexpr std::string_view to_string(graph_fault fault) {
  switch (fault) {
    case graph_fault::none: return "none";
    case graph_fault::malformed_id: return "malformed_id";
    case graph_fault::malformed_down_id: return "malformed_down_id";
    case graph_fault::duplicate_id: return "duplicate_id";
    case graph_fault::self_down: return "self_down";
    case graph_fault::unknown_down: return "unknown_down";
    case graph_fault::later_down: return "later_down";
    case graph_fault::several_bases: return "several_bases";
    case graph_fault::no_base: return "no_base";
    case graph_fault::cycle: return "cycle";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, graph_fault fault) { return out << to_string(fault); }

struct graph_check {
  graph_fault fault = graph_fault::none;
  std::size_t revision = 0;   // the revision concerned (index in the list)
  std::size_t other = 0;      // the second revision concerned, where there is one
  std::string_view down{};    // the down id concerned, where there is one
};

// Revision ids in an open-addressing hash table, for O(1) lookups in constant evaluation (sorting
// them for a binary search cost GCC's evaluator more than the whole graph check besides). Keeps the
// first position of each id, and the first position whose id an earlier one has.
template <std::size_t N>
struct id_index {
  static constexpr std::size_t slots = std::bit_ceil(2 * N + 2);
  std::array<std::size_t, slots> at{};        // 1 + the position of the id hashed there; 0: free
  std::array<std::uint64_t, slots> hash{};
  const std::array<std::string_view, N>* ids = nullptr;
  std::size_t duplicate = N;   // the first position whose id appears earlier in the list, or N
  std::size_t original = N;    // ... and that earlier position

  constexpr explicit id_index(const std::array<std::string_view, N>& all) : ids(&all) {
    for (std::size_t i = 0; i < N; ++i) {
      const auto h = hash_id(all[i]);
      const auto s = slot_of(all[i], h);
      if (at[s] == 0) {
        at[s] = i + 1;
        hash[s] = h;
      } else if (duplicate == N) {
        duplicate = i;
        original = at[s] - 1;
      }
    }
  }
  // Position of the first revision with this id, or N.
  [[nodiscard]] constexpr std::size_t find(std::string_view id) const {
    const auto s = slot_of(id, hash_id(id));
    return at[s] == 0 ? N : at[s] - 1;
  }

 private:
  // The slot of the id: where it is, or the free slot where it would go.
  [[nodiscard]] constexpr std::size_t slot_of(std::string_view id, std::uint64_t h) const {
    auto s = static_cast<std::size_t>(h ^ (h >> 32)) & (slots - 1);
    while (at[s] != 0 && (hash[s] != h || (*ids)[at[s] - 1] != id)) s = (s + 1) & (slots - 1);
    return s;
  }
};

template <std::size_t N>
constexpr graph_check check_graph(const std::array<std::string_view, N>& ids,
                                  const std::array<std::span<const std::string_view>, N>& downs) {
  // An empty history is valid: a project before its first revision.
  if constexpr (N == 0) {
    return {};
  } else {
    for (std::size_t i = 0; i < N; ++i) {
      if (!well_formed_id(ids[i])) return {graph_fault::malformed_id, i};
      for (auto d : downs[i])
        if (!well_formed_id(d)) return {graph_fault::malformed_down_id, i, 0, d};
    }
    const id_index<N> index(ids);
    if (index.duplicate != N) return {graph_fault::duplicate_id, index.original, index.duplicate};
    std::size_t first_base = N;
    graph_check later{};   // the first revision that follows a later one
    for (std::size_t i = 0; i < N; ++i) {
      if (downs[i].empty()) {
        if (first_base != N) return {graph_fault::several_bases, first_base, i};
        first_base = i;
      }
      for (auto d : downs[i]) {
        if (i > 0 && d == ids[i - 1]) continue;   // the common case: a straight line
        const auto j = index.find(d);
        if (j == i) return {graph_fault::self_down, i, 0, d};
        if (j == N) return {graph_fault::unknown_down, i, 0, d};
        if (j > i && later.fault == graph_fault::none) later = {graph_fault::later_down, i, j, d};
      }
    }
    // Every down is known: without a base, the downs go round in a cycle.
    if (first_base == N) return {graph_fault::no_base, 0};
    if (later.fault == graph_fault::none) return {};
    // Moving the later revision up the list helps only if it does not follow, however far back, the
    // revision that names it: otherwise the two are in a cycle.
    std::array<bool, N> seen{};
    std::array<std::size_t, N> stack{};
    std::size_t top = 0;
    stack[top++] = later.other;
    seen[later.other] = true;
    while (top != 0) {
      const auto k = stack[--top];
      for (auto d : downs[k]) {
        const auto j = index.find(d);
        if (j == later.revision) return {graph_fault::cycle, later.revision, later.other, later.down};
        if (j < N && !seen[j]) {
          seen[j] = true;
          stack[top++] = j;
        }
      }
    }
    return later;
  }
}

// A message assembled in constant evaluation; its text becomes a fixed_string template argument
// so that GCC prints it verbatim in the diagnostic.
struct message_buffer {
  char data[640]{};
  std::size_t size = 0;
  constexpr message_buffer& operator<<(std::string_view s) {
    for (char c : s)
      if (size < sizeof(data) - 1) data[size++] = c;
    return *this;
  }
  constexpr message_buffer& operator<<(std::size_t n) {
    char digits[24]{};
    std::size_t k = 0;
    do { digits[k++] = static_cast<char>('0' + n % 10); n /= 10; } while (n != 0);
    while (k != 0) *this << std::string_view(&digits[--k], 1);
    return *this;
  }
};

template <std::size_t N>
constexpr message_buffer graph_message(const graph_check& c, const std::array<std::string_view, N>& ids) {
  message_buffer m;
  auto quoted = [&](std::string_view s) -> message_buffer& { return m << "`" << s << "`"; };
  auto id = [&](std::size_t i) { return i < N ? ids[i] : std::string_view{}; };
  m << "strata::history: ";
  switch (c.fault) {
    case graph_fault::none: m << "ok"; break;
    case graph_fault::malformed_id:
      m << "revision id ";
      quoted(id(c.revision)) << " is malformed; use 1 to 32 characters from [0-9a-z_], such as the 12 hex digits strata generates";
      break;
    case graph_fault::malformed_down_id:
      m << "revision ";
      quoted(id(c.revision)) << " names down revision ";
      quoted(c.down) << ", which is not a valid id; use 1 to 32 characters from [0-9a-z_], or strata::base for the first revision";
      break;
    case graph_fault::duplicate_id:
      m << "revision id ";
      quoted(id(c.revision)) << " appears twice (positions " << (c.revision + 1) << " and " << (c.other + 1)
                             << " of the list); give each revision its own id";
      break;
    case graph_fault::self_down:
      m << "revision ";
      quoted(id(c.revision)) << " names itself as its down revision; name the revision it follows, or strata::base";
      break;
    case graph_fault::unknown_down:
      m << "revision ";
      quoted(id(c.revision)) << " names down revision ";
      quoted(c.down) << ", which is not in the list; add that revision before it or fix the id";
      break;
    case graph_fault::later_down:
      m << "revision ";
      quoted(id(c.revision)) << " names down revision ";
      quoted(c.down) << ", which is not earlier in the list; move ";
      quoted(c.down) << " before ";
      quoted(id(c.revision)) << " in the list";
      break;
    case graph_fault::no_base:
      m << "no revision has strata::base as its down revision, so the down revisions go round in a cycle; give the first "
           "revision of the list, ";
      quoted(id(0)) << ", strata::base as its down revision";
      break;
    case graph_fault::cycle:
      m << "revisions ";
      quoted(id(c.revision)) << " and ";
      quoted(id(c.other)) << " are in a cycle: ";
      quoted(id(c.revision)) << " follows ";
      quoted(id(c.other)) << ", which follows ";
      quoted(id(c.revision)) << " (directly or through others); make one of them follow an earlier revision";
      break;
    case graph_fault::several_bases:
      m << "revisions ";
      quoted(id(c.revision)) << " and ";
      quoted(id(c.other)) << " both have strata::base as their down revision; a history has one base, so give ";
      quoted(id(c.other)) << " the revision it follows";
      break;
  }
  return m;
}

template <std::size_t Size>
constexpr fixed_string<Size + 1> to_fixed_string(const message_buffer& m) {
  fixed_string<Size + 1> s;
  for (std::size_t i = 0; i < Size; ++i) s.data[i] = m.data[i];
  return s;
}

// Instantiated only for an invalid history: GCC prints the Message argument verbatim in the
// "In instantiation of" line above the assertion. `value` is true so that nothing else fails
// after it: one failure, one message.
template <fixed_string Message>
struct invalid_history {
  static_assert(Message.size() == 0, "strata::history is invalid: the reason is spelled out in 'invalid_history<...>' above");
  static constexpr bool value = true;
};

template <bool Valid, fixed_string Message>
inline constexpr bool history_checked = true;
template <fixed_string Message>
inline constexpr bool history_checked<false, Message> = invalid_history<Message>::value;

// For clang (see the named fault types above): false for a named fault, which the failed
// static_assert's requirement then prints; true for none (void).
template <class Fault>
inline constexpr bool graph_ok = std::is_void_v<Fault>;

// The named fault of check C over the revisions R..., or void: only an invalid history looks up
// its revisions' types.
template <bool Valid, graph_fault F, std::size_t I, std::size_t J, class... R>
struct named_graph_fault {
  using type = void;
};
template <graph_fault F, std::size_t I, std::size_t J, class... R>
struct named_graph_fault<false, F, I, J, R...> {
  using A = std::tuple_element_t<I, std::tuple<R...>>;
  using B = std::tuple_element_t<J, std::tuple<R...>>;
  using type = std::conditional_t<
      F == graph_fault::malformed_id, revision_id_is_malformed<A>,
      std::conditional_t<
          F == graph_fault::malformed_down_id, revision_names_a_malformed_down_id<A>,
          std::conditional_t<
              F == graph_fault::duplicate_id, revision_id_appears_twice<A, B>,
              std::conditional_t<
                  F == graph_fault::self_down, revision_names_itself_as_down_revision<A>,
                  std::conditional_t<
                      F == graph_fault::unknown_down, revision_names_a_down_revision_not_in_the_list<A>,
                      std::conditional_t<F == graph_fault::later_down, revision_is_listed_before_its_down_revision<A, B>,
                                         std::conditional_t<F == graph_fault::cycle, revisions_are_in_a_cycle<A, B>,
                                                            std::conditional_t<F == graph_fault::several_bases,
                                                                               history_has_two_bases<A, B>, history_has_no_base<A>>>>>>>>>;
};

}  // namespace strata::detail
