// A test process's FIRST database at head, at 200 revisions: what a test program run by ctest (one
// test a process) waits for before its first test, and how long its exit takes.
//
// Run without arguments, it starts itself again as a child once per run (fork and exec), for SQLite
// and, when the PG* variables name a server, PostgreSQL, and prints per dialect the median, the
// fastest and the slowest of:
//   first database  in the child, from the start of main() to a clone at head, connected: the
//                   template found (or built) and cloned (strata::testing::database_template);
//   CPU             the child's CPU time (all its threads) over the same span: the work, without
//                   the machine's other load (the server's work is not in it);
//   exit            from the child's return from main() to the parent's waitpid(): the
//                   template's, the pool's and the clone's destructors, and the process's end.
// The first run of each dialect may build the template (it is reported apart); the others find it.
// SQLite's floor, in the same binary and run: a child that does only what cannot be left out of a
// first database given the template's file name (the copy, made by the kernel with
// copy_file_range, the fastest way measured here; opening it with SQLite's C API with the two
// pragmas strata sets: foreign keys on, synchronous off), without strata (no name to compute, no
// template to find or check).
// The processes follow one another at once, each exiting as soon as it has its database; with a
// pause, the parent waits that long between them, as a test's own run would (PostgreSQL: a
// process's exit leaves the next one a spare whose copy the server is still making meanwhile).
//   build-rel/benchmarks/strata_first_database_benchmark [runs, 15 by default] [pause in ms, 0 by default]
// (benchmarks/compare_first_database.py compares two builds of it, one process of each in turn.)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>
#include <strata/testing/database_template.hpp>

#include "synthetic_history.hpp"

#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

namespace {

using history = strata::bench::history_of<200>;

// All the process's threads.
long long cpu_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

long long monotonic_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

// The child: one database, timed; prints "<first database ns> <CPU ns so far> <monotonic ns at the end of main>".
template <class D>
int child(long long started, long long cpu_started) {
  try {
    auto& t = strata::testing::database_template<history, D>::instance();
    auto clone = t.clone();
    (void)clone.connection();
    const long long first = monotonic_ns() - started;
    std::printf("%lld %lld %lld\n", first, cpu_ns() - cpu_started, monotonic_ns());
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

// SQLite's floor (see the top): the template file `source` copied to a new file and opened.
int sqlite_floor_child(const char* source, long long started, long long cpu_started) {
  const int in = ::open(source, O_RDONLY | O_CLOEXEC);
  struct ::stat st {};
  if (in < 0 || ::fstat(in, &st) != 0 || st.st_size <= 0) {
    std::fprintf(stderr, "cannot read the template %s\n", source);
    return 1;
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string copy = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/strata_floor_" + std::to_string(::getpid()) + ".db";
  const int out = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  auto left = static_cast<std::size_t>(st.st_size);
  while (out >= 0 && left > 0) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, left, 0);
    if (n <= 0) break;
    left -= static_cast<std::size_t>(n);
  }
  ::close(in);
  if (out < 0 || left > 0 || ::close(out) != 0) {
    std::fprintf(stderr, "cannot copy the template to %s\n", copy.c_str());
    return 1;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA synchronous = OFF", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s: %s\n", copy.c_str(), db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    return 1;
  }
  const long long first = monotonic_ns() - started;
  std::printf("%lld %lld %lld\n", first, cpu_ns() - cpu_started, monotonic_ns());
  std::fflush(stdout);
  sqlite3_close(db);
  ::unlink(copy.c_str());
  return 0;
}

struct sample {
  double first_ms;
  double cpu_ms;
  double exit_ms;
};

// One child, started as `self --child <dialect> [argument]`; false when it failed.
bool run_child(const char* self, const char* dialect, const char* argument, sample& out) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(self, self, "--child", dialect, argument, static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[256];
  for (;;) {
    const auto n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const long long ended = monotonic_ns();
  long long first = 0, cpu = 0, left_main = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || std::sscanf(text.c_str(), "%lld %lld %lld", &first, &cpu, &left_main) != 3) return false;
  out = {static_cast<double>(first) / 1e6, static_cast<double>(cpu) / 1e6, static_cast<double>(ended - left_main) / 1e6};
  return true;
}

// False when a child failed. `argument`: the child's, after its dialect (none: null).
bool report(const char* dialect, const char* self, int runs, int pause_ms, const char* argument = nullptr) {
  std::vector<sample> samples;
  sample first_run{};
  for (int i = 0; i <= runs; ++i) {
    if (i > 0 && pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    sample s{};
    if (!run_child(self, dialect, argument, s)) {
      std::printf("%-10s  a child failed (see its message above)\n", dialect);
      return false;
    }
    if (i == 0) first_run = s;
    else samples.push_back(s);
  }
  auto stats = [&](double sample::*field) {
    std::vector<double> v;
    for (const auto& s : samples) v.push_back(s.*field);
    std::sort(v.begin(), v.end());
    char out[96];
    std::snprintf(out, sizeof out, "%8.2f ms (%.2f to %.2f)", v[v.size() / 2], v.front(), v.back());
    return std::string(out);
  };
  std::printf("%-12s  first database %s   CPU %s   exit %s   [run 1: %.2f ms, exit %.2f ms]\n", dialect, stats(&sample::first_ms).c_str(),
              stats(&sample::cpu_ms).c_str(), stats(&sample::exit_ms).c_str(), first_run.first_ms, first_run.exit_ms);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const long long started = monotonic_ns();
  const long long cpu_started = cpu_ns();
  if (argc == 4 && std::strcmp(argv[1], "--child") == 0 && std::strcmp(argv[2], "sqlite-floor") == 0)
    return sqlite_floor_child(argv[3], started, cpu_started);
  if (argc == 3 && std::strcmp(argv[1], "--child") == 0) {
    if (std::strcmp(argv[2], "sqlite") == 0) return child<strata::sqlite>(started, cpu_started);
#ifdef STRATA_HAVE_POSTGRESQL
    if (std::strcmp(argv[2], "postgresql") == 0) return child<strata::postgresql>(started, cpu_started);
#endif
    return 2;
  }
  const int runs = argc >= 2 ? std::max(1, std::atoi(argv[1])) : 15;
  const int pause_ms = argc >= 3 ? std::max(0, std::atoi(argv[2])) : 0;
  std::printf("A fresh process's first database at head, 200 revisions: median (fastest to slowest) of %d processes, %d ms apart\n", runs, pause_ms);
  bool ok = report("sqlite", "/proc/self/exe", runs, pause_ms);
  if (ok) {  // the template the children found
    const auto kept = strata::sqlite::provisioner::for_templates().file(strata::testing::kept_template_name<history, strata::sqlite>()).string();
    ok = report("sqlite-floor", "/proc/self/exe", runs, pause_ms, kept.c_str());
  }
#ifdef STRATA_HAVE_POSTGRESQL
  const char* host = std::getenv("PGHOST");
  const char* port = std::getenv("PGPORT");
  if ((host != nullptr && *host != '\0') || (port != nullptr && *port != '\0')) ok = report("postgresql", "/proc/self/exe", runs, pause_ms) && ok;
  else std::printf("postgresql  skipped: PGHOST and PGPORT are not set (run under pg_virtualenv)\n");
#endif
  return ok ? 0 : 1;
}
