// strata::detail::replace_file: a file's new text written next to it and renamed over it.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace strata::detail {

// Writes `text` to <target><temporary_suffix>, then renames it over `target`: a reader sees the old
// file or the new one, never half of one, and a failure leaves the old file whole. False when it
// could not (the temporary file removed); the caller says why in its own words. Give concurrent
// writers of one target suffixes of their own (a process id).
inline bool replace_file(const std::filesystem::path& target, std::string_view text, std::string_view temporary_suffix = ".tmp") {
  auto temporary = target;
  temporary += std::string(temporary_suffix);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return false;
  }
  return true;
}

}  // namespace strata::detail
