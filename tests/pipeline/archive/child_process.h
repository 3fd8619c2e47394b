#pragma once

// A forked child that the test sequences through pipes (never sleeps): the child reports when it
// reaches a point, the parent kills it there or tells it to go on.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <utility>

namespace wbe {
namespace testing_util {

// The child's end of the pipes.
class ChildChannel {
 public:
  ChildChannel(int to_parent, int from_parent) : to_parent_(to_parent), from_parent_(from_parent) {}

  // "I am here."
  void Signal() const {
    const char byte = 'r';
    if (::write(to_parent_, &byte, 1) != 1) ::_exit(4);
  }
  // Blocks until the parent says go (true) or goes away (false).
  bool AwaitParent() const {
    char byte = 0;
    for (;;) {
      const ssize_t n = ::read(from_parent_, &byte, 1);
      if (n == 1) return true;
      if (n == 0) return false;
    }
  }
  // Signals, then waits to be killed; exits quietly if the parent disappears instead.
  [[noreturn]] void SignalAndHang() const {
    Signal();
    while (AwaitParent()) {
    }
    ::_exit(0);
  }

 private:
  int to_parent_;
  int from_parent_;
};

class Child {
 public:
  // Forks and runs body(channel) in the child, which then exits 0 (3 if body threw).
  template <typename Body>
  explicit Child(Body body) {
    int up[2];
    int down[2];
    if (::pipe(up) != 0 || ::pipe(down) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
      ADD_FAILURE() << "fork failed";
      return;
    }
    if (pid_ == 0) {
      ::close(up[0]);
      ::close(down[1]);
      const ChildChannel channel(up[1], down[0]);
      try {
        body(channel);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        ::_exit(3);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    ::close(up[1]);
    ::close(down[0]);
    from_child_ = up[0];
    to_child_ = down[1];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) Kill();
    if (from_child_ >= 0) ::close(from_child_);
    if (to_child_ >= 0) ::close(to_child_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // True when the child signalled; false when it exited without doing so.
  bool AwaitSignal() {
    char byte = 0;
    for (;;) {
      const ssize_t n = ::read(from_child_, &byte, 1);
      if (n == 1) return true;
      if (n == 0) return false;
    }
  }
  void Tell() {
    const char byte = 'g';
    EXPECT_EQ(::write(to_child_, &byte, 1), 1);
  }
  // SIGKILL: no destructors, no atexit, no flushing; exactly what a crash does to a process.
  void Kill() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  }
  // Lets the child run to its end and returns its exit code.
  int Join() {
    ::close(std::exchange(to_child_, -1));
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int from_child_ = -1;
  int to_child_ = -1;
};

}  // namespace testing_util
}  // namespace wbe
