// strata::detail::sqlite_table: a parser of SQLite's CREATE TABLE (and CREATE INDEX) text into a table model, for the rebuild.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>

namespace strata::detail::sqlite_table {

using sql::quote;
using sql::quote_list;

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// SQLite compares names ASCII case-insensitively; no string is built (the planner calls this in nested loops).
inline bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return sql::lower(x) == sql::lower(y); });
}

// The parser: enough of SQLite's CREATE TABLE grammar to edit columns and constraints, keeping
// each element's text as written.

struct token {
  enum kind_t { word, identifier, string, number, punct } kind;
  std::size_t begin;
  std::size_t end;
  std::string value;  // identifiers unquoted; words as written
};

inline std::vector<token> tokenize(std::string_view sql) {
  std::vector<token> out;
  std::size_t i = 0;
  auto quoted = [&](char close, token::kind_t kind) {
    const auto start = i++;
    std::string value;
    while (i < sql.size()) {
      if (sql[i] == close) {
        if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
          value += close;
          i += 2;
          continue;
        }
        ++i;
        out.push_back({kind, start, i, value});
        return;
      }
      value += sql[i++];
    }
    throw std::runtime_error("unterminated quote in the table's SQL");
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { while (i < sql.size() && sql[i] != '\n') ++i; continue; }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const auto close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
      continue;
    }
    if ((c == 'x' || c == 'X') && i + 1 < sql.size() && sql[i + 1] == '\'') {
      const auto start = i++;
      quoted('\'', token::string);
      out.back().begin = start;
      continue;
    }
    if (c == '\'') { quoted('\'', token::string); continue; }
    if (c == '"') { quoted('"', token::identifier); continue; }
    if (c == '`') { quoted('`', token::identifier); continue; }
    if (c == '[') { quoted(']', token::identifier); continue; }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      const auto start = i;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.' ||
                                ((sql[i] == '+' || sql[i] == '-') && (sql[i - 1] == 'e' || sql[i - 1] == 'E'))))
        ++i;
      out.push_back({token::number, start, i, std::string(sql.substr(start, i - start))});
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      const auto start = i;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$' ||
                                static_cast<unsigned char>(sql[i]) >= 0x80))
        ++i;
      out.push_back({token::word, start, i, std::string(sql.substr(start, i - start))});
      continue;
    }
    out.push_back({token::punct, i, i + 1, std::string(1, c)});
    ++i;
  }
  return out;
}

struct clause {
  std::string keyword;     // PRIMARY, NOT, NULL, UNIQUE, CHECK, DEFAULT, COLLATE, REFERENCES, GENERATED, AS
  std::string name;        // CONSTRAINT name, if any
  std::string text;        // the clause as written, CONSTRAINT name included
  std::string referenced;  // REFERENCES: the table
};

struct parsed_column {
  std::string name;
  std::string type;
  std::vector<clause> clauses;

  [[nodiscard]] bool has(std::string_view keyword) const {
    return std::any_of(clauses.begin(), clauses.end(), [&](const clause& c) { return c.keyword == keyword; });
  }
  [[nodiscard]] std::string definition() const {
    std::string out = quote(name);
    if (!type.empty()) out += " " + type;
    for (const auto& c : clauses) out += " " + c.text;
    return out;
  }
};

struct parsed_constraint {
  std::string keyword;               // PRIMARY, UNIQUE, CHECK, FOREIGN
  std::string name;
  std::string text;                  // as written, CONSTRAINT name included
  std::vector<std::string> columns;  // the key's columns (PRIMARY, UNIQUE, FOREIGN) or every identifier (CHECK)
  std::string referenced;            // FOREIGN: the table it references
};

struct parsed_table {
  std::string name;
  std::vector<parsed_column> columns;
  std::vector<parsed_constraint> constraints;
  std::string options;  // WITHOUT ROWID, STRICT

  [[nodiscard]] parsed_column* find(std::string_view column_name) {
    for (auto& c : columns)
      if (same_name(c.name, column_name)) return &c;
    return nullptr;
  }

  [[nodiscard]] std::string create_sql(std::string_view table_name) const {
    std::string out = "CREATE TABLE " + quote(table_name) + " (";
    bool first = true;
    for (const auto& c : columns) {
      out += (first ? "\n  " : ",\n  ") + c.definition();
      first = false;
    }
    for (const auto& k : constraints) {
      out += (first ? "\n  " : ",\n  ") + k.text;
      first = false;
    }
    return out + "\n)" + (options.empty() ? "" : " " + options);
  }
};

class table_parser {
 public:
  explicit table_parser(std::string_view sql) : sql_(sql), tokens_(tokenize(sql)) {}

  parsed_table parse() {
    parsed_table t;
    std::size_t p = 0;
    while (p < tokens_.size() && !is_word(p, "TABLE")) ++p;
    ++p;
    if (is_word(p, "IF")) p += 3;
    t.name = tokens_.at(p).value;
    ++p;
    if (p < tokens_.size() && tokens_[p].value == ".") {
      t.name = tokens_.at(p + 1).value;
      p += 2;
    }
    if (p >= tokens_.size() || tokens_[p].value != "(") throw std::runtime_error("the table is defined by AS SELECT, which cannot be rebuilt");
    const auto close = matching(p);
    std::size_t start = p + 1;
    for (std::size_t q = p + 1; q <= close; ++q) {
      if (q == close || tokens_[q].value == ",") {
        element(t, start, q);
        start = q + 1;
      } else if (tokens_[q].value == "(") {
        q = matching(q);
      }
    }
    if (close + 1 < tokens_.size()) t.options = std::string(sql_.substr(tokens_[close + 1].begin));
    return t;
  }

  // A column definition on its own (used to add a column to a parsed table).
  parsed_column column_definition() { return column(0, tokens_.size()); }

 private:
  [[nodiscard]] bool is_word(std::size_t p, std::string_view w) const {
    return p < tokens_.size() && tokens_[p].kind == token::word && upper(tokens_[p].value) == w;
  }
  [[nodiscard]] std::string word(std::size_t p) const {
    return p < tokens_.size() && tokens_[p].kind == token::word ? upper(tokens_[p].value) : std::string{};
  }
  [[nodiscard]] std::size_t matching(std::size_t open) const {
    int depth = 0;
    for (std::size_t q = open; q < tokens_.size(); ++q) {
      if (tokens_[q].value == "(" && tokens_[q].kind == token::punct) ++depth;
      if (tokens_[q].value == ")" && tokens_[q].kind == token::punct && --depth == 0) return q;
    }
    throw std::runtime_error("unbalanced parentheses in the table's SQL");
  }
  [[nodiscard]] std::string text(std::size_t b, std::size_t e) const {
    if (b >= e) return {};
    return std::string(sql_.substr(tokens_[b].begin, tokens_[e - 1].end - tokens_[b].begin));
  }
  [[nodiscard]] bool starts_clause(std::size_t q, std::string_view current) const {
    static constexpr std::string_view keywords[] = {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                                    "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"};
    const auto w = word(q);
    if (std::find(std::begin(keywords), std::end(keywords), w) == std::end(keywords)) return false;
    if ((w == "NULL" || w == "DEFAULT") && word(q - 1) == "SET") return false;  // ON DELETE SET NULL
    if (w == "NOT" && word(q + 1) == "DEFERRABLE") return false;
    if (w == "AS" && current == "GENERATED") return false;
    return true;
  }

  parsed_column column(std::size_t b, std::size_t e) {
    parsed_column c;
    c.name = tokens_.at(b).value;
    std::size_t p = b + 1;
    while (p < e && !starts_clause(p, "")) p = tokens_[p].value == "(" ? matching(p) + 1 : p + 1;
    c.type = text(b + 1, p);
    while (p < e) {
      const auto start = p;
      clause k;
      if (is_word(p, "CONSTRAINT")) {
        k.name = tokens_.at(p + 1).value;
        p += 2;
      }
      k.keyword = word(p);
      std::size_t q = p + 1;
      if (k.keyword == "DEFAULT") {
        if (q < e && tokens_[q].value == "(") q = matching(q) + 1;
        else if (q < e && (tokens_[q].value == "-" || tokens_[q].value == "+")) q += 2;
        else q += 1;
      } else {
        if (k.keyword == "NOT" || k.keyword == "PRIMARY") ++q;  // NOT NULL, PRIMARY KEY
        while (q < e && !starts_clause(q, k.keyword)) q = tokens_[q].value == "(" ? matching(q) + 1 : q + 1;
      }
      q = std::min(q, e);
      if (k.keyword == "REFERENCES" && p + 1 < e) k.referenced = tokens_[p + 1].value;
      k.text = text(start, q);
      c.clauses.push_back(std::move(k));
      p = q;
    }
    return c;
  }

  void element(parsed_table& t, std::size_t b, std::size_t e) {
    if (b >= e) return;
    std::size_t p = b;
    std::string name;
    if (is_word(p, "CONSTRAINT")) {
      name = tokens_.at(p + 1).value;
      p += 2;
    }
    const auto kw = word(p);
    if (kw != "PRIMARY" && kw != "UNIQUE" && kw != "CHECK" && kw != "FOREIGN") {
      t.columns.push_back(column(b, e));
      return;
    }
    parsed_constraint k{kw, name, text(b, e), {}, {}};
    if (kw == "FOREIGN")
      for (std::size_t q = p; q + 1 < e; ++q)
        if (is_word(q, "REFERENCES")) {
          k.referenced = tokens_[q + 1].value;
          break;
        }
    while (p < e && tokens_[p].value != "(") ++p;
    if (p < e) {
      const auto close = matching(p);
      bool item_start = true;
      for (std::size_t q = p + 1; q < close; ++q) {
        if (kw == "CHECK") {
          if (tokens_[q].kind == token::word || tokens_[q].kind == token::identifier) k.columns.push_back(tokens_[q].value);
          continue;
        }
        if (tokens_[q].value == ",") { item_start = true; continue; }
        if (tokens_[q].value == "(") { q = matching(q); continue; }
        if (item_start) k.columns.push_back(tokens_[q].value);
        item_start = false;
      }
    }
    t.constraints.push_back(std::move(k));
  }

  std::string_view sql_;
  std::vector<token> tokens_;
};

inline parsed_table parse_create_table(std::string_view sql) { return table_parser(sql).parse(); }

inline parsed_column parse_column(const std::string& definition) { return table_parser(definition).column_definition(); }

// Whether a CREATE INDEX indexes `column` (names it between the parentheses after ON <table>; its
// WHERE clause does not count).
inline bool index_covers(std::string_view index_sql, std::string_view column) {
  const auto tokens = tokenize(index_sql);
  std::size_t p = 0;
  while (p < tokens.size() && !(tokens[p].kind == token::word && upper(tokens[p].value) == "ON")) ++p;
  while (p < tokens.size() && tokens[p].value != "(") ++p;
  for (int depth = 0; p < tokens.size(); ++p) {
    if (tokens[p].kind == token::punct && tokens[p].value == "(") ++depth;
    if (tokens[p].kind == token::punct && tokens[p].value == ")" && --depth == 0) break;
    if ((tokens[p].kind == token::word || tokens[p].kind == token::identifier) && same_name(tokens[p].value, column)) return true;
  }
  return false;
}

}  // namespace strata::detail::sqlite_table
