//===- ThreadPool.cpp - A session's worker threads ------------------------===//

#include "runtime/lib/ThreadPool.h"

#include "runtime/lib/Abandon.h"

#include <utility>

using namespace kiln;

namespace {
thread_local ThreadPool *currentPool = nullptr;
thread_local bool insideBody = false;
} // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

ThreadPool *ThreadPool::current() { return currentPool; }

ThreadPool::Scope::Scope(ThreadPool *pool) : previous(currentPool) { currentPool = pool; }
ThreadPool::Scope::~Scope() { currentPool = previous; }

void ThreadPool::runChunks() {
  insideBody = true;
  for (int64_t c; (c = nextChunk.fetch_add(1)) < numChunks;) {
    int64_t begin = c * chunk, end = std::min(n, begin + chunk);
    // An abandoned chunk (its reason is the pool's failure) ends; the run reports it.
    (void)callAbandonable(body, closure, begin, end);
  }
  insideBody = false;
}

void ThreadPool::reportFailure(int code, std::string message) {
  std::lock_guard<std::mutex> lock(failureMutex);
  if (failure.empty())
    failureCode = code, failure = std::move(message);
}

std::string ThreadPool::takeFailure(int &code) {
  std::lock_guard<std::mutex> lock(failureMutex);
  code = failureCode;
  return std::exchange(failure, std::string());
}

void ThreadPool::workerLoop() {
  currentPool = this;
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
    }
    runChunks();
    std::lock_guard<std::mutex> lock(mutex);
    if (--pending == 0)
      done.notify_one();
  }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain, Body fn, void *data) {
  if (count <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t maxChunks = (count + grain - 1) / grain;
  if (workers.empty() || insideBody || maxChunks == 1) {
    fn(data, 0, count);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    body = fn, closure = data, n = count;
    numChunks = std::min<int64_t>(maxChunks, threads());
    chunk = (count + numChunks - 1) / numChunks;
    numChunks = (count + chunk - 1) / chunk;
    nextChunk = 0;
    pending = int(workers.size());
    ++generation;
  }
  wake.notify_all();
  runChunks();
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return pending == 0; });
}
