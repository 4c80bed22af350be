// strata::detail::each and listed: loops over a std::vector that constant evaluation runs cheaply.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace strata::detail {

// A vector's elements as a range of plain pointers, for the loops the compile-time checks run: in
// constant evaluation GCC 12 evaluates each call a std::vector iterator makes (begin, end, !=, ++,
// *), which a range-for over `each(v)` replaces by pointer arithmetic (the compile-time check of a
// history visits every recorded name, column and operation this way).
template <class T>
struct pointer_range {
  T* first;
  T* last;
  [[nodiscard]] constexpr T* begin() const { return first; }
  [[nodiscard]] constexpr T* end() const { return last; }
  [[nodiscard]] constexpr std::size_t size() const { return static_cast<std::size_t>(last - first); }
  [[nodiscard]] constexpr T& operator[](std::size_t i) const { return first[i]; }
};
template <class T>
constexpr pointer_range<const T> each(const std::vector<T>& v) {
  const T* first = v.data();
  return {first, first + v.size()};
}
template <class T>
constexpr pointer_range<T> each(std::vector<T>& v) {
  T* first = v.data();
  return {first, first + v.size()};
}

// Whether `names` holds `name` (a plain loop: <algorithm> stays out of a unit that only compiles
// revisions, and std::find costs constant evaluation a call per step).
constexpr bool listed(const std::vector<std::string_view>& names, std::string_view name) {
  for (auto n : each(names))
    if (n == name) return true;
  return false;
}

}  // namespace strata::detail
