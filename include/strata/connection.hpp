// strata::connection: what a data migration (op.run) sees of the live database.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <string_view>
#include <vector>

namespace strata {

// The live connection handed to `op.run(fn)`, inside the revision's transaction. Portable code
// uses execute/query; dialect-specific code asks for the native handle:
// `db.native<SQLite::Database>()`.
class connection {
 public:
  using row = std::vector<std::optional<std::string>>;

  virtual ~connection() = default;
  virtual void execute(std::string_view sql) = 0;
  // Runs a query with positional text parameters and returns every row as text (NULL as nullopt).
  virtual std::vector<row> query(std::string_view sql, const std::vector<std::optional<std::string>>& params = {}) = 0;
  [[nodiscard]] virtual std::string_view dialect() const = 0;

  template <class Native>
  Native& native() {
    if (void* handle = native_handle(typeid(Native))) return *static_cast<Native*>(handle);
    throw std::logic_error("strata::connection::native: this is a " + std::string(dialect()) +
                           " connection; ask for its own native handle type");
  }

 protected:
  [[nodiscard]] virtual void* native_handle(const std::type_info& type) = 0;
};

}  // namespace strata
