// Test support: runs a program as a child process (fork/exec) in a chosen folder and environment,
// and collects its exit status, stdout and stderr; several children can run at once.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace strata_test {

struct process_result {
  int status = -1;  // the exit status, or 128 + the signal that ended it
  std::string out;
  std::string err;
};

inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A started child. Its environment is the test's, without DATABASE_URL and STRATA_CONFIG (so that
// the caller's settings never leak in), plus `env`; stdin is /dev/null; stdout and stderr go to
// `<io_prefix>.out` and `<io_prefix>.err`.
class child_process {
 public:
  child_process(const std::string& program, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                const std::filesystem::path& cwd, const std::filesystem::path& io_prefix)
      : out_file_(io_prefix.string() + ".out"), err_file_(io_prefix.string() + ".err") {
    std::vector<std::string> argv_text{program};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const auto key = entry.substr(0, entry.find('='));
      if (key == "DATABASE_URL" || key == "STRATA_CONFIG" || env.count(key) != 0) continue;
      env_text.push_back(entry);
    }
    for (const auto& [key, value] : env) env_text.push_back(key + "=" + value);
    std::vector<char*> argv, envp;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    const auto cwd_text = cwd.string();

    pid_ = ::fork();
    if (pid_ < 0) {
      ADD_FAILURE() << "fork failed";
      return;
    }
    if (pid_ == 0) {
      const int out = ::open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int in = ::open("/dev/null", O_RDONLY);
      if (out < 0 || err < 0 || in < 0 || ::chdir(cwd_text.c_str()) != 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (pid_ > 0) (void)wait(std::chrono::seconds(60));
  }

  // Waits for the child (killing it after `limit`, which fails the test) and collects what it wrote.
  process_result wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    process_result r;
    if (pid_ <= 0) return r;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        ADD_FAILURE() << "the child process did not finish within " << limit.count() << " s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_whole_file(out_file_);
    r.err = read_whole_file(err_file_);
    std::error_code ignored;
    std::filesystem::remove(out_file_, ignored);
    std::filesystem::remove(err_file_, ignored);
    return r;
  }

 private:
  std::string out_file_;
  std::string err_file_;
  pid_t pid_ = -1;
};

}  // namespace strata_test
