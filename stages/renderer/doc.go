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
// runs renders in child processes of the running binary (workers), started
// with a marker in their environment: a request (chart files, release,
// namespace, values, as gob) goes to a worker's stdin and the manifests
// come back on its stdout, in length-prefixed frames read under the output
// limit. A worker limits its own memory (a soft limit for the garbage
// collector and, on Linux, RLIMIT_AS) and runs on one CPU, so a hostile
// chart can neither stall the caller nor take the machine. A worker that
// overruns the time, runs out of memory or crashes is killed and reaped
// before Render returns; one that rendered, or refused too large an
// output, is kept for the next render (at most two idle, each stopped
// after a minute idle or a hundred renders), since starting one costs
// 50-150 ms of runtime and Helm initialisation and a render in a running
// one about a millisecond more than in-process. On Linux a worker dies
// with the process that started it; elsewhere it exits when its stdin
// closes.
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
// templates: the same bytes for the same inputs, on either path. Every
// namespaced object without metadata.namespace is placed in the request's
// Namespace, as `helm install` places it: one line, "namespace: <ns>", is
// added at the head of its metadata, and nothing else of the text changes.
// Objects that name their own namespace keep it; objects of the built-in
// cluster-scoped kinds (see [IsClusterScoped]) get none; any other kind,
// custom resources included, is taken to be namespaced.
package renderer
