//===- Abandon.cpp - Leaving generated code that cannot continue ----------===//

#include "runtime/lib/Abandon.h"

#include <csetjmp>
#include <cstdlib>

using namespace kiln;

namespace {
thread_local std::jmp_buf *innermost = nullptr;
} // namespace

// Only trivially destructible locals live in this frame, as setjmp/longjmp require.
bool kiln::callAbandonable(void (*fn)(void *, int64_t, int64_t), void *arg, int64_t begin,
                           int64_t end) {
  std::jmp_buf here;
  std::jmp_buf *outer = innermost;
  innermost = &here;
  bool completed = setjmp(here) == 0;
  if (completed)
    fn(arg, begin, end);
  innermost = outer;
  return completed;
}

void kiln::abandon() {
  if (!innermost)
    std::abort();
  std::longjmp(*innermost, 1);
}

bool kiln::canAbandon() { return innermost != nullptr; }
