//===- ThreadPool.h - A session's worker threads --------------------------===//
//
// parallel_for for generated code and the GEMM: splits [0, n) into chunks over the session's
// threads, the calling thread included, and returns when all chunks are done. Each session owns
// its pool (docs/design/runtime-and-artifact.md, 3.2), so sessions never share mutable state.
// The pool a run uses is found through a thread-local set for the duration of the run, which is
// how calls from generated code (which carry no context) reach the right session.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_THREADPOOL_H
#define KILN_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kiln {

class ThreadPool {
public:
  using Body = void (*)(void *closure, int64_t begin, int64_t end);

  /// `threads` counts the caller: 1 means no worker threads.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int threads() const { return int(workers.size()) + 1; }

  /// Runs body over [0, n) in chunks of at least `grain`. Nested calls (from inside a body) and
  /// pools of one thread run inline.
  void parallelFor(int64_t n, int64_t grain, Body body, void *closure);

  /// The pool of the run in progress on this thread, a worker's own pool on its threads
  /// (nullptr outside runs: work runs inline).
  static ThreadPool *current();

  /// Records why the run in progress fails, with a kiln_code (the first report wins); any
  /// thread of the run may call it. takeFailure() returns it after the run and clears it
  /// (message "" when none).
  void reportFailure(int code, std::string message);
  std::string takeFailure(int &code);

  /// Makes `pool` current on this thread for the lifetime of the guard.
  class Scope {
  public:
    explicit Scope(ThreadPool *pool);
    ~Scope();

  private:
    ThreadPool *previous;
  };

private:
  void workerLoop();
  void runChunks();

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  bool stopping = false;
  // The job in flight.
  Body body = nullptr;
  void *closure = nullptr;
  int64_t n = 0, chunk = 0, numChunks = 0;
  std::atomic<int64_t> nextChunk{0};
  int pending = 0;
  // The run's failure.
  std::mutex failureMutex;
  int failureCode = 0;
  std::string failure;
};

} // namespace kiln

#endif // KILN_RUNTIME_THREADPOOL_H
