//===- Abandon.h - Leaving generated code that cannot continue ------------===//
//
// Generated code has no error paths: a service call that cannot be satisfied (an intermediate
// buffer the machine cannot allocate) must not return to it. Every entry into generated code
// (a run, a shapes call, each parallel_for chunk) goes through callAbandonable, which marks a
// point on the current thread's stack; abandon() jumps back to the innermost one. Only
// generated code (no destructors, no locks held) and plain C frames lie between the two. The
// reason is recorded separately (ThreadPool::reportFailure) and becomes the call's status.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ABANDON_H
#define KILN_RUNTIME_ABANDON_H

#include <cstdint>

namespace kiln {

/// Calls fn(arg, begin, end); returns false when the call was abandoned.
bool callAbandonable(void (*fn)(void *, int64_t, int64_t), void *arg, int64_t begin,
                     int64_t end);

/// Leaves the innermost callAbandonable on this thread; aborts outside one.
[[noreturn]] void abandon();

/// Whether this thread is inside callAbandonable.
bool canAbandon();

} // namespace kiln

#endif // KILN_RUNTIME_ABANDON_H
