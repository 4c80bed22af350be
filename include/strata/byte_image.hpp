// strata::byte_image: a database's bytes, read-only, either held on the heap or mapped from a file.
//
// What a dialect that KeepsSnapshots reads a kept template back as (strata/dialect.hpp), and what
// strata::testing clones from. Mapping the file (POSIX mmap, read-only, the pages mapped at once)
// makes reading a 458 KB template a tenth of what copying it into a new buffer cost: no buffer is
// zeroed and faulted in page by page, and no byte is copied. A mapped file must not be truncated or
// written in place while it is mapped (a template is read-only, and replaced by rename, never
// rewritten); a file dropped meanwhile stays readable through the mapping.
#pragma once

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace strata {

class byte_image {
 public:
  byte_image() = default;
  explicit byte_image(std::vector<unsigned char> bytes) : heap_(std::move(bytes)) {}
  byte_image(byte_image&& other) noexcept : heap_(std::move(other.heap_)), map_(std::exchange(other.map_, {})) {}
  byte_image& operator=(byte_image&& other) noexcept {
    if (this != &other) {
      unmap();
      heap_ = std::move(other.heap_);
      map_ = std::exchange(other.map_, {});
    }
    return *this;
  }
  byte_image(const byte_image&) = delete;
  byte_image& operator=(const byte_image&) = delete;
  ~byte_image() { unmap(); }

  // The whole file, mapped (elsewhere than POSIX: read); none when it cannot be opened. Throws
  // std::system_error when it opens but cannot be read.
  static std::optional<byte_image> of_file(const std::filesystem::path& path) {
#if !defined(_WIN32)
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct ::stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category(), "cannot read " + path.string());
    }
    byte_image out;
    if (st.st_size > 0) {
      const auto size = static_cast<std::size_t>(st.st_size);
      void* at = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | map_populate, fd, 0);
      if (at == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "cannot map " + path.string());
      }
      out.map_ = {static_cast<const unsigned char*>(at), size};
    }
    ::close(fd);  // the mapping keeps the file
    return out;
#else
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<unsigned char> bytes;
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > 0) {
      bytes.resize(static_cast<std::size_t>(size));
      in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    if (!in) throw std::system_error(EIO, std::generic_category(), "cannot read " + path.string());
    return byte_image(std::move(bytes));
#endif
  }

  // The mapping's bytes, else the heap's.
  [[nodiscard]] std::span<const unsigned char> bytes() const { return mapped() ? map_ : std::span<const unsigned char>(heap_); }
  [[nodiscard]] const unsigned char* data() const { return bytes().data(); }
  [[nodiscard]] std::size_t size() const { return bytes().size(); }
  [[nodiscard]] bool empty() const { return bytes().empty(); }
  [[nodiscard]] bool mapped() const { return !map_.empty(); }
  operator std::span<const unsigned char>() const { return bytes(); }  // NOLINT: a view of it, as a vector's

 private:
#if !defined(_WIN32)
#if defined(MAP_POPULATE)
  static constexpr int map_populate = MAP_POPULATE;  // the pages mapped at once, not faulted in one by one
#else
  static constexpr int map_populate = 0;
#endif
#endif
  void unmap() noexcept {
#if !defined(_WIN32)
    if (mapped()) ::munmap(const_cast<unsigned char*>(map_.data()), map_.size());
#endif
    map_ = {};
  }

  std::vector<unsigned char> heap_;
  std::span<const unsigned char> map_;  // the file mapped (of_file), or empty
};

}  // namespace strata
