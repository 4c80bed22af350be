// strata::fixed_string: a string literal usable as a non-type template parameter.
#pragma once

#include <cstddef>
#include <string_view>

namespace strata {

template <std::size_t N>
struct fixed_string {
  char data[N]{};  // N counts the terminating NUL

  constexpr fixed_string() = default;
  constexpr fixed_string(const char (&text)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) data[i] = text[i];
  }

  [[nodiscard]] constexpr std::string_view view() const { return {data, N - 1}; }
  [[nodiscard]] static constexpr std::size_t size() { return N - 1; }
  constexpr operator std::string_view() const { return view(); }  // NOLINT: implicit by design
};

template <std::size_t N>
fixed_string(const char (&)[N]) -> fixed_string<N>;

// Marks a revision as the root of the history: `strata::revision<"8653cc238299", strata::base>`.
inline constexpr fixed_string<1> base{};

}  // namespace strata
