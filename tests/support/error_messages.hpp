// Checking what an error says: the exception's type, its words, and that it is one line.
#pragma once

#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <typeinfo>

#include <gtest/gtest.h>

namespace strata_test {

// Expects `f` to throw E and returns its what() (empty if it did not).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another exception (" << typeid(e).name() << "): " << e.what();
    return {};
  }
  ADD_FAILURE() << "did not throw";
  return {};
}

// Each word is in the message, and the message is one line.
inline void expect_words(const std::string& what, std::initializer_list<std::string_view> words) {
  for (auto w : words) EXPECT_NE(what.find(w), std::string::npos) << "'" << w << "' is not in: " << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
}

}  // namespace strata_test
