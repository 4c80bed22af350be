// strata::detail::code_identity: which build of the program's code holds some addresses, read from
// the loaded objects themselves (the build ids their linker wrote), without running that code.
//
// strata::testing names a history's template by hashing what each revision's upgrade() records,
// which runs the code of every revision: some 0.5 ms at 200 revisions in a fresh process, nearly all
// of it the first touch of that code (strata/testing/database_template.hpp). The name only changes
// when that code does, so a process remembers it for the next one under this identity.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if defined(__linux__) && __has_include(<link.h>)
#include <elf.h>
#include <link.h>
#define STRATA_DETAIL_LOADED_CODE 1
#endif

namespace strata::detail {

// For each address (code or data of a loaded object), the build id of the object holding it and
// the address's offset in that object, as text (a line of the build ids, then a line per address:
// its object's place in that line, '+', its offset): equal in two processes exactly when the
// objects are the same builds and the addresses the same places in them. None where this cannot be
// told: an address outside every loaded object, an object without a build id (linked with
// --build-id=none), a main program that is not position-independent (there, a function's address
// may be a stub of the program's own that jumps to a library's code), or a system other than
// Linux. An object linked with a build id fixed by hand (--build-id=0x...) that does not change
// with its code defeats it.
inline std::optional<std::string> code_identity(std::span<const std::uintptr_t> addresses) {
#if defined(STRATA_DETAIL_LOADED_CODE)
  // The object's NT_GNU_BUILD_ID note, as hex; empty when it has none (or none that is mapped).
  auto build_id = [](const dl_phdr_info& o) {
    static constexpr char digits[] = "0123456789abcdef";
    auto mapped = [&](const ElfW(Phdr)& note) {
      for (std::size_t i = 0; i < o.dlpi_phnum; ++i)
        if (const auto& h = o.dlpi_phdr[i]; h.p_type == PT_LOAD && h.p_vaddr <= note.p_vaddr && note.p_vaddr + note.p_memsz <= h.p_vaddr + h.p_filesz)
          return true;
      return false;
    };
    for (std::size_t i = 0; i < o.dlpi_phnum; ++i) {
      const auto& h = o.dlpi_phdr[i];
      if (h.p_type != PT_NOTE || !mapped(h)) continue;
      const auto* at = reinterpret_cast<const unsigned char*>(o.dlpi_addr + h.p_vaddr);
      const auto* end = at + h.p_memsz;
      while (static_cast<std::size_t>(end - at) >= sizeof(ElfW(Nhdr))) {
        ElfW(Nhdr) note{};
        std::copy_n(at, sizeof note, reinterpret_cast<unsigned char*>(&note));
        const auto* name = at + sizeof note;
        const auto* desc = name + ((note.n_namesz + 3U) & ~std::size_t{3});
        if (desc > end || static_cast<std::size_t>(end - desc) < note.n_descsz) break;
        if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::equal(name, name + 4, "GNU") && note.n_descsz > 0) {
          std::string out;
          for (std::size_t k = 0; k < note.n_descsz; ++k) (out += digits[desc[k] >> 4]) += digits[desc[k] & 0xF];
          return out;
        }
        const auto step = (note.n_descsz + 3U) & ~std::size_t{3};
        if (static_cast<std::size_t>(end - desc) < step) break;
        at = desc + step;
      }
    }
    return std::string();
  };
  // Each address's object (an index into the build ids of those found) and offset in it, objects
  // visited in load order (the main program first) until every address has one.
  static constexpr auto none = static_cast<std::size_t>(-1);
  struct search {
    std::span<const std::uintptr_t> addresses;
    decltype(build_id)& id_of;
    std::vector<std::string> ids;
    std::vector<std::size_t> objects;
    std::vector<std::uintptr_t> offsets;
    std::size_t left = 0;
    bool first = true, usable = true;
  } state{addresses, build_id, {}, std::vector<std::size_t>(addresses.size(), none), std::vector<std::uintptr_t>(addresses.size()), addresses.size()};
  if (state.left > 0)
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
          auto& st = *static_cast<search*>(data);
          if (std::exchange(st.first, false) && info->dlpi_addr == 0) {  // the main program is not PIE
            st.usable = false;
            return 1;
          }
          auto object = none;
          for (std::size_t k = 0; k < st.addresses.size(); ++k) {
            if (st.objects[k] != none) continue;
            const auto address = st.addresses[k];
            for (std::size_t i = 0; i < info->dlpi_phnum; ++i) {
              const auto& h = info->dlpi_phdr[i];
              const auto start = static_cast<std::uintptr_t>(info->dlpi_addr + h.p_vaddr);
              if (h.p_type != PT_LOAD || address < start || address - start >= h.p_memsz) continue;
              if (object == none) {
                auto id = st.id_of(*info);
                if (id.empty()) {  // no build id: nothing to tell its builds apart by
                  st.usable = false;
                  return 1;
                }
                object = st.ids.size();
                st.ids.push_back(std::move(id));
              }
              st.objects[k] = object;
              st.offsets[k] = address - static_cast<std::uintptr_t>(info->dlpi_addr);
              --st.left;
              break;
            }
          }
          return st.left == 0 ? 1 : 0;
        },
        &state);
  if (!state.usable || state.left > 0) return std::nullopt;
  std::string out;
  for (const auto& id : state.ids) (out += id) += ' ';
  out += '\n';
  for (std::size_t k = 0; k < addresses.size(); ++k) ((((out += std::to_string(state.objects[k])) += '+') += std::to_string(state.offsets[k])) += '\n');
  return out;
#else
  (void)addresses;
  return std::nullopt;
#endif
}

}  // namespace strata::detail
