package reconciler

// Log messages and keys, defined once.
const (
	msgTransition  = "transition"
	msgPassFailed  = "pass failed"
	msgStalled     = "stalled"
	msgForgeFailed = "forge call failed, retried next pass"
	msgHealed      = "git mirror was corrupt, rebuilt it from the remote"

	keyStage   = "stage"
	keyService = "service"
	keyRun     = "run"
	keyChange  = "change"
	keyReason  = "reason"
	keyRetryIn = "retryIn"
)
