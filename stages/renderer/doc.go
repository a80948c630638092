// Package renderer provides Helm chart rendering under limits: a render
// that runs longer than Options.Timeout, writes more than
// Options.MaxOutput bytes of manifests or needs more than
// Options.MaxMemory bytes of memory fails with a reason that says so, and
// leaves nothing behind.
//
// # Isolation
//
// Helm's template engine cannot be cancelled: a goroutine running an
// endless template burns CPU and memory until the process exits. So Render
// runs each render in a child process of the running binary (the worker),
// started with a marker in its environment: the request (chart files,
// release, namespace, values) goes to its stdin as gob, the manifests come
// back on its stdout, read through a limit, and the child is killed when
// the time is up. The worker limits its own memory (a soft limit for the
// garbage collector and, on Linux, RLIMIT_AS) and runs on one CPU, so a
// hostile chart can neither stall the caller nor take the machine.
//
// The binary's main must call [MaybeServeWorker] first; ferry's main does.
// A process whose main did not (a test binary without a TestMain calling
// it) renders in-process instead, with a goroutine and a timer: the caller
// still gets the reason when the time is up, but the goroutine is
// abandoned, not stopped. Only the isolated path is meant for production.
//
// # Output
//
// The manifests are the chart's templates in name order, each preceded by
// "---" and "# Source: <template>", without partials, NOTES.txt and empty
// templates: the same bytes for the same inputs, on either path.
package renderer
