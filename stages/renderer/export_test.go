package renderer

// Hooks for the tests.
var (
	RenderInProcess = renderInProcess
	RenderHelm      = renderHelm
)

// SetWorkerStarted makes f learn the pid of each worker started.
func SetWorkerStarted(f func(pid int)) { workerStarted = f }
