// strata::detail: what the dialects' backups share: a file name no backup has taken, and a program
// (pg_dump) run with secrets passed in its environment, never on its command line.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace strata::detail {

// "<folder>/<name>.<stamp><extension>", or, when a file has that name, the same with "-2", "-3" ...
// before the extension: a backup never replaces another.
inline std::filesystem::path unused_backup_path(const std::filesystem::path& folder, const std::string& name, const std::string& stamp,
                                                const std::string& extension) {
  std::error_code ec;
  for (int n = 1;; ++n) {
    auto p = folder / (name + "." + stamp + (n == 1 ? "" : "-" + std::to_string(n)) + extension);
    if (!std::filesystem::exists(p, ec)) return p;
  }
}

// How a program ended: found (false: it is not on PATH), its exit status, what it wrote on stderr.
struct program_result {
  bool found = true;
  int status = 0;  // 128 + N when killed by signal N
  std::string err;
};

// Runs `argv` (argv[0] looked up on PATH) with stdin and stdout on /dev/null, its stderr read back,
// and the variables of `extra_environment` ("NAME=value") added to this process's environment.
inline program_result run_program(const std::vector<std::string>& argv, const std::vector<std::string>& extra_environment) {
  std::vector<std::string> env_text = extra_environment;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& x : extra_environment) replaced = replaced || x.starts_with(name);
    if (!replaced) env_text.push_back(entry);
  }
  std::vector<char*> args, env;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_text) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return {true, 127, std::string("cannot make a pipe: ") + std::strerror(errno)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  program_result r;
  if (spawned != 0) {
    ::close(err_pipe[0]);
    r.found = spawned != ENOENT;
    r.status = 127;
    r.err = std::strerror(spawned);
    return r;
  }
  char buffer[4096];
  for (ssize_t n; (n = ::read(err_pipe[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.err.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace strata::detail
