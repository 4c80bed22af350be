// strata::detail::sql: quoted SQL identifiers, the same in every dialect strata renders, finding them in
// SQL text, and SQL text in the shape databases give it back in.
#pragma once

#include <cctype>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <strata/detail/each.hpp>

namespace strata::detail::sql {

// "name" with any " doubled: every identifier is quoted, so spaces, quotes and keywords work.
inline std::string quote(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

inline std::string quote_list(const std::vector<std::string_view>& identifiers) {
  std::string out;
  for (auto id : identifiers) out += (out.empty() ? "" : ", ") + quote(id);
  return out;
}

// A string literal: single-quoted, with ' doubled (standard SQL; PostgreSQL's standard_conforming_strings).
inline std::string literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether an identifier as written (`raw`: a bare word, or the text between `quote`s with the quote
// doubled inside) is `name`, compared as SQLite compares names: ASCII letters in any case.
constexpr bool same_identifier(std::string_view raw, char quote, std::string_view name) {
  std::size_t j = 0;
  for (std::size_t i = 0; i < raw.size(); ++i, ++j) {
    if (quote != 0 && quote != ']' && raw[i] == quote) ++i;
    if (j >= name.size() || i >= raw.size() || lower(raw[i]) != lower(name[j])) return false;
  }
  return j == name.size();
}

// Calls f(raw, quote, after) for each bare word and quoted identifier ("x", `x`, [x]) of an SQL
// text, with string literals and comments skipped (quote is 0 for a bare word; `after` is the text
// that follows). Keywords and function names are words too: callers look for names of their own.
template <class F>
constexpr void for_each_identifier(std::string_view sql, F&& f) {
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const auto close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      const char close = c == '[' ? ']' : c;
      const auto start = i + 1;
      std::size_t j = start;
      while (j < sql.size()) {
        if (sql[j] == close) {
          if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      i = j < sql.size() ? j + 1 : sql.size();
      if (c != '\'') f(sql.substr(start, j - start), close, sql.substr(i));
    } else if (word_char(c) && !(c >= '0' && c <= '9')) {
      const auto start = i;
      while (i < sql.size() && word_char(sql[i])) ++i;
      if ((c == 'x' || c == 'X') && i == start + 1 && i < sql.size() && sql[i] == '\'') continue;  // a blob literal x'..'
      f(sql.substr(start, i - start), '\0', sql.substr(i));
    } else if (c >= '0' && c <= '9') {
      while (i < sql.size() && word_char(sql[i])) ++i;  // 1e5, 0x1F
    } else {
      ++i;
    }
  }
}

// Whether an SQL text names `name` (as a word or a quoted identifier, outside literals and comments).
constexpr bool mentions(std::string_view sql, std::string_view name) {
  bool found = false;
  for_each_identifier(sql, [&](std::string_view raw, char quote, std::string_view) { found = found || same_identifier(raw, quote, name); });
  return found;
}

// The names of `columns` an expression names, in order of appearance, once each; `own` (a column
// CHECK's own column) first.
constexpr std::vector<std::string_view> columns_named(std::string_view sql, std::span<const std::string_view> columns, std::string_view own = {}) {
  std::vector<std::string_view> out;
  if (!own.empty()) out.push_back(own);
  for_each_identifier(sql, [&](std::string_view raw, char quote, std::string_view) {
    for (auto c : columns)
      if (same_identifier(raw, quote, c) && !listed(out, c)) out.push_back(c);
  });
  return out;
}

// The columns an expression seems to name when the table's columns are not known: its identifiers,
// in order, once each, but SQL keywords and function names (followed by "("). For naming a CHECK
// by a naming convention where only the expression is at hand.
inline std::vector<std::string> expression_columns(std::string_view sql) {
  static constexpr std::string_view keywords[] = {"and", "or", "not", "is", "null", "in", "between", "like", "glob", "regexp", "match",
                                                  "escape", "case", "when", "then", "else", "end", "cast", "as", "true", "false", "collate",
                                                  "exists", "distinct", "isnull", "notnull", "current_date", "current_time",
                                                  "current_timestamp", "select", "from", "where"};
  std::vector<std::string> out;
  for_each_identifier(sql, [&](std::string_view raw, char quote, std::string_view after) {
    const auto next = after.find_first_not_of(" \t\r\n");
    if (next != std::string_view::npos && after[next] == '(') return;
    if (quote == 0)
      for (std::string_view k : keywords)
        if (same_identifier(raw, 0, k)) return;
    std::string name;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (quote != 0 && quote != ']' && raw[i] == quote) ++i;
      if (i < raw.size()) name += raw[i];
    }
    for (const auto& n : out)
      if (same_identifier(n, 0, name)) return;
    out.push_back(std::move(name));
  });
  return out;
}

// SQL text in the shape a database gives it back in, so that two spellings compare: no whitespace,
// no parentheses around the whole, no ::casts (PostgreSQL's 'x'::character varying), lower case
// outside quotes. A normaliser, not a parser: what it does not know stays as written.
inline std::string shape(std::string_view sql) {
  static constexpr std::string_view type_words[] = {" varying", " precision", " without time zone", " with time zone"};
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      i += 2;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
      for (auto w : type_words)
        if (sql.substr(i, w.size()) == w) i += w.size();
      if (i < sql.size() && sql[i] == '(') i = sql.find(')', i);
      else --i;
      if (i == std::string_view::npos) break;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  // Parentheses around one word or literal, not a call's: "(0)" (PostgreSQL's (0)::numeric) is 0.
  for (std::size_t open = out.find('('); open != std::string::npos; open = out.find('(', open + 1)) {
    const auto close = out.find(')', open);
    if (close == std::string::npos) break;
    const auto inner = std::string_view(out).substr(open + 1, close - open - 1);
    const bool call = open > 0 && (std::isalnum(static_cast<unsigned char>(out[open - 1])) || out[open - 1] == '_');
    const auto unsigned_inner = inner.substr(!inner.empty() && (inner[0] == '-' || inner[0] == '+') ? 1 : 0);
    const bool word = !unsigned_inner.empty() && unsigned_inner.find_first_of("(,+-*/<>=|") == std::string_view::npos;
    if (!call && word) {
      out.erase(close, 1);
      out.erase(open, 1);
      open = open == 0 ? std::string::npos : open - 1;
      if (open == std::string::npos) open = 0;
    }
  }
  // Outer parentheses, when they enclose the whole: "(a)" but not "(a)+(b)".
  while (out.size() >= 2 && out.front() == '(' && out.back() == ')') {
    int depth = 0;
    bool whole = true;
    for (std::size_t i = 0; i + 1 < out.size() && whole; ++i) {
      depth += out[i] == '(' ? 1 : out[i] == ')' ? -1 : 0;
      whole = depth > 0;
    }
    if (!whole) break;
    out = out.substr(1, out.size() - 2);
  }
  return out;
}

// Whether two SQL texts are one expression as a database spells it back (shape()).
inline bool same_shape(std::string_view a, std::string_view b) { return shape(a) == shape(b); }

}  // namespace strata::detail::sql
