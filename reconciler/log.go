package reconciler

// Log messages and keys, defined once.
const (
	msgTransition  = "transition"
	msgRefMoved    = "ref moved during pass, recomputing"
	msgPassFailed  = "pass failed"
	msgStalled     = "stalled"
	msgForgeFailed = "forge call failed, retried next pass"

	keyAttempt = "attempt"
	keyStage   = "stage"
	keyService = "service"
	keyRun     = "run"
	keyProblem = "problem"
	keyChange  = "change"
	keyReason  = "reason"
	keyRetryIn = "retryIn"
)
