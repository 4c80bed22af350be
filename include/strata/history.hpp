// strata::history: the compile-time typelist of revisions, checked by static_assert.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <strata/checksum.hpp>
#include <strata/detail/frozen_ops.hpp>
#include <strata/detail/graph_check.hpp>
#include <strata/ops.hpp>
#include <strata/revision.hpp>

namespace strata {

// What the run-time side needs of a revision: the compile-time facts, type-erased.
struct revision_info {
  std::string_view id;
  std::span<const std::string_view> down_revisions;
  std::string_view message;
  void (*upgrade)(ops&) = nullptr;
  void (*downgrade)(ops&) = nullptr;
  bool transactional = true;
  // Or, instead of the two functions, their operations recorded at compile time (null: not frozen),
  // which a unit hands over without emitting the revisions' code (strata::cli::project_of).
  const detail::frozen_ops* frozen_upgrade = nullptr;
  const detail::frozen_ops* frozen_downgrade = nullptr;
  // The checksum of the upgrade()'s operations (strata::checksum_value), computed by this function
  // the first time it is asked for and kept for the process (detail::upgrade_checksum_once): at run
  // time, not in the history's compile-time checks, where hashing cost a third of each revision's
  // check. Null: checksum() computes it from record_upgrade() each time.
  std::uint64_t (*upgrade_checksum)() = nullptr;

  [[nodiscard]] constexpr bool is_base() const { return down_revisions.empty(); }
  [[nodiscard]] constexpr bool is_merge() const { return down_revisions.size() > 1; }
  // The operations of upgrade() and of downgrade(): call these, not the functions.
  [[nodiscard]] constexpr ops record_upgrade() const { return record(upgrade, frozen_upgrade); }
  [[nodiscard]] constexpr ops record_downgrade() const { return record(downgrade, frozen_downgrade); }
  // "v1:<16 hex digits>": what the database's history table records for the revision when it is applied.
  [[nodiscard]] std::string checksum() const {
    return checksum_text(upgrade_checksum != nullptr ? upgrade_checksum() : checksum_value(record_upgrade()));
  }

 private:
  static constexpr ops record(void (*function)(ops&), const detail::frozen_ops* frozen) {
    if (frozen != nullptr) return frozen->thaw();
    ops o;
    function(o);
    return o;
  }
};

namespace detail {

// What is wrong with a type of a history, if anything. Each check runs only when those before it
// passed (if constexpr), so that one fault gives one message.
enum class revision_fault : std::uint8_t { none, not_a_revision, not_constexpr, name_outlived, not_derivable };

template <class R>
consteval revision_fault fault_of() {
  if constexpr (!revision_shape<R>) return revision_fault::not_a_revision;
  else if constexpr (Revision<R>) {
    if constexpr (records_at_compile_time && !downgrade_derivable<R>()) return revision_fault::not_derivable;
    else return revision_fault::none;
  }
  else if constexpr (requires { typename std::bool_constant<records_constantly<R>()>; }) return revision_fault::name_outlived;
  else return revision_fault::not_constexpr;
}

// The names of a revision that passed the checks above, held in a constexpr variable (where the
// recorded operations can be constant-evaluated): see names_outlive_the_call.
template <class R, bool Check = records_at_compile_time && fault_of<R>() == revision_fault::none>
struct names_checked {
  static constexpr bool value = true;
};
// By address (a template argument, which instantiates the variable): a failed initialisation then
// gives its one error, not a second one here.
template <auto Names>
inline constexpr bool instantiated = true;
template <class R>
struct names_checked<R, true> {
  static constexpr bool value = instantiated<&names_outlive_the_call<R>::names>;
};

// Each type of a history must be a Revision; the failing one is named in the instantiation line
// above the assertion. The accessors below give an empty value for a non-revision so that nothing
// else fails after this one message.
template <class R>
struct revision_checked {
  static constexpr revision_fault fault = fault_of<R>();
  static_assert(fault != revision_fault::not_a_revision,
                "strata::history: the type in 'revision_checked<...>' above is not a revision: derive it from "
                "strata::revision<\"<id>\", \"<down id>\"> and give it `static constexpr std::string_view message` "
                "and `static constexpr void upgrade(strata::ops&)` and `downgrade(strata::ops&)` (which strata derives when "
                "upgrade() only creates, adds and renames)");
  static_assert(fault != revision_fault::not_constexpr,
                "strata::history: the upgrade() or downgrade() of the revision in 'revision_checked<...>' above cannot run at "
                "compile time: add `constexpr` (`static constexpr void upgrade(strata::ops& op)`), and call only constexpr "
                "functions in it");
  static_assert(fault != revision_fault::name_outlived,
                "strata::history: the revision in 'revision_checked<...>' above records a name that does not outlive its "
                "upgrade() or downgrade() (a string_view into a std::string that is gone); record string literals or "
                "static constexpr names");
  static_assert(fault != revision_fault::not_derivable,
                "strata::history: the revision in 'revision_checked<...>' above has no downgrade() and its upgrade() records an "
                "operation strata cannot reverse (execute, run, a drop, alter_column, an unnamed check): write its downgrade(), or "
                "declare it irreversible with an empty one");
  static constexpr bool value = names_checked<R>::value;
};

template <class R>
constexpr std::string_view id_of() {
  if constexpr (Revision<R>) return R::id;
  else return {};
}
template <class R>
constexpr std::span<const std::string_view> downs_of() {
  if constexpr (Revision<R>) return R::down_revisions;
  else return {};
}
// The checksum of R's upgrade() (revision_info::upgrade_checksum): recorded and hashed the first
// time it is asked for, then kept (a thread-safe local static), so that a process hashes each
// revision once at most, and only when it reads or writes the history table or keys a template.
// Not constexpr, on purpose: a local static's initialiser that is a constant expression is evaluated
// by the compiler (constant initialisation), which would hash every revision at compile time again.
inline std::uint64_t checksum_at_run_time(void (*upgrade)(ops&)) {
  ops recorded;
  upgrade(recorded);
  return checksum_value(recorded);
}
template <class R>
std::uint64_t upgrade_checksum_once() {
  static const std::uint64_t value = checksum_at_run_time(&R::upgrade);
  return value;
}

template <class R>
constexpr revision_info info_of() {
  if constexpr (Revision<R>) return {R::id, R::down_revisions, R::message, &R::upgrade, &detail::downgrade_of<R>, R::transactional, nullptr, nullptr,
                                     &upgrade_checksum_once<R>};
  else return {};
}

}  // namespace detail

// The revisions of an application, oldest first: every down revision appears earlier in the
// list, ids are unique and well formed, exactly one revision is the base. An empty list is a valid
// history (a project before its first revision: no heads, nothing to upgrade). Using the type (as a
// migrator's argument, in replay, ...) runs these checks; a broken rule stops compilation with
// one message naming the revision(s) concerned.
template <class... R>
class history {
  // Pack expansions into arrays, not fold expressions: clang folds at most 256 arguments.
  static_assert(std::array<bool, sizeof...(R)>{detail::revision_checked<R>::value...}.size() == sizeof...(R));

 public:
  static constexpr std::size_t size = sizeof...(R);

 private:
  static constexpr std::array<std::string_view, size> ids_{detail::id_of<R>()...};
  static constexpr std::array<std::span<const std::string_view>, size> downs_{detail::downs_of<R>()...};
  // Only revisions are checked as a graph: a non-revision has had its message already.
  static constexpr std::array<bool, sizeof...(R)> revisions_{Revision<R>...};
  static constexpr bool all_revisions_ = [] {
    for (bool r : revisions_)
      if (!r) return false;
    return true;
  }();
  static constexpr detail::graph_check check_ = all_revisions_ ? detail::check_graph(ids_, downs_) : detail::graph_check{};
  static constexpr detail::message_buffer message_ = detail::graph_message(check_, ids_);

 public:
  static constexpr bool valid = check_.fault == detail::graph_fault::none;
#if defined(__clang__)
  static_assert(detail::graph_ok<typename detail::named_graph_fault<valid, check_.fault, check_.revision, check_.other, R...>::type>,
                "strata::history is invalid: the requirement above names the fault and the revision structs concerned (GCC "
                "spells it out with the ids and the fix)");
#else
  static_assert(detail::history_checked<valid, detail::to_fixed_string<message_.size>(message_)>);
#endif

  static constexpr std::array<revision_info, size> revisions{detail::info_of<R>()...};

 private:
  static constexpr std::array<bool, size> is_head_ = [] {
    std::array<bool, size> head{};
    head.fill(true);
    const detail::id_index<size> index(ids_);
    for (std::size_t i = 0; i < size; ++i)
      for (auto d : downs_[i])
        if (auto j = (i > 0 && d == ids_[i - 1]) ? i - 1 : index.find(d); j < size) head[j] = false;
    return head;
  }();
  static constexpr std::size_t head_count_ = [] {
    std::size_t n = 0;
    for (bool h : is_head_) n += h ? 1 : 0;
    return n;
  }();

 public:
  // The revisions no other revision follows, in list order. More than one means unmerged branches.
  static constexpr std::array<std::string_view, head_count_> heads = [] {
    std::array<std::string_view, head_count_> out{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < size; ++i)
      if (is_head_[i]) out[k++] = ids_[i];
    return out;
  }();

  // Position of a revision in the list, or size when absent (exact id only).
  static constexpr std::size_t index_of(std::string_view id) { return detail::id_index<size>(ids_).find(id); }
};

template <class T>
inline constexpr bool is_history_v = false;
template <class... R>
inline constexpr bool is_history_v<history<R...>> = true;

// A strata::history<...> type.
template <class H>
concept History = is_history_v<H>;

namespace detail {

// The first revision of a history that records an identifier longer than `limit` bytes.
struct revision_long_name {
  std::string_view revision;
  long_name name;
};

// The revision_facts of each revision of a history, in list order (the replay's plan, the review).
template <class H>
struct history_facts;
template <class... R>
struct history_facts<history<R...>> {
  static constexpr std::array<revision_facts, sizeof...(R)> of{facts_of<R>...};
};

template <class H>
struct long_names;
template <class... R>
struct long_names<history<R...>> {
  static constexpr revision_long_name first(std::size_t limit) {
    if (limit == 0) return {};
    const std::array<std::size_t, sizeof...(R)> bytes{facts_of<R>.longest_bytes...};
    const std::array<long_name (*)(), sizeof...(R)> name{&longest_name_of<R>...};
    const std::array<std::string_view, sizeof...(R)> id{R::id...};
    for (std::size_t i = 0; i < bytes.size(); ++i)
      if (bytes[i] > limit) return {id[i], name[i]()};
    return {};
  }
};

template <class Traits>
constexpr message_buffer long_name_message(const revision_long_name& n) {
  message_buffer m;
  m << "strata::names_fit: revision `" << n.revision << "` names `" << n.name.name << "` of " << n.name.bytes << " bytes, longer than the "
    << Traits::max_identifier_bytes << " that " << Traits::name << " keeps (it would cut the name); shorten it";
  return m;
}

// Instantiated only for a name too long: GCC prints the Message argument verbatim above the
// assertion. `value` is true so that the static_assert around names_fit does not fail a second time.
template <fixed_string Message>
struct name_too_long_for_the_database {
  static_assert(Message.size() == 0, "strata::names_fit: a name is too long for the database: the revision, the name and its length are "
                                     "spelled out in 'name_too_long_for_the_database<...>' above");
  static constexpr bool value = true;
};
template <bool Fit, fixed_string Message>
inline constexpr bool names_checked_for = true;
template <fixed_string Message>
inline constexpr bool names_checked_for<false, Message> = name_too_long_for_the_database<Message>::value;

// Where revisions are not recorded in constant evaluation (records_at_compile_time), nothing is checked.
template <class H, class Traits>
inline constexpr revision_long_name first_long_name_in =
    records_at_compile_time ? long_names<H>::first(Traits::max_identifier_bytes) : revision_long_name{};

}  // namespace detail

// Whether every table, column, index and constraint name history H records fits the database of
// SQL traits T (T::max_identifier_bytes; 0: no limit): PostgreSQL cuts a longer name, so that the
// upgrade succeeds and validate then misses the object. migrator refuses such a revision before
// anything runs; at compile time:
//   static_assert(strata::names_fit<history, strata::postgresql_sql>);
// fails naming the revision, the name and its length (with GCC; where the checks do not run in
// constant evaluation, as with clang 14, it checks nothing: see detail::records_at_compile_time).
template <History H, class T>
inline constexpr bool names_fit =
    detail::names_checked_for<detail::first_long_name_in<H, T>.name.bytes == 0,
                              detail::to_fixed_string<detail::long_name_message<T>(detail::first_long_name_in<H, T>).size>(
                                  detail::long_name_message<T>(detail::first_long_name_in<H, T>))>;

}  // namespace strata
