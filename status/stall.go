package status

import "errors"

// Reason is a PascalCase reason of a condition, in the vocabulary of
// fluxcd/pkg/apis/meta.
type Reason string

// Reasons ferry stalls for: only a new commit (or new credentials) fixes
// them, so the loop records them and keeps polling.
const (
	ReasonInvalidProject       Reason = "InvalidProject"
	ReasonStagePrefixMismatch  Reason = "StagePrefixMismatch"
	ReasonCorruptStatus        Reason = "CorruptStatus"
	ReasonAuthenticationFailed Reason = "AuthenticationFailed"
)

// Other reasons of conditions.
const (
	ReasonSucceeded   Reason = "Succeeded"
	ReasonProgressing Reason = "Progressing"
	ReasonHeld        Reason = "Held"
	ReasonRunFailed   Reason = "RunFailed"
	// ReasonApprovalExpired: the last run waited for an approval longer
	// than the stage's approval timeout.
	ReasonApprovalExpired Reason = "ApprovalExpired"
	ReasonRemediating     Reason = "Remediating"
	// ReasonUnsignedCandidate: the last run's candidate was not signed by
	// an allowed signer, and the stage requires one (ferry.yaml verify).
	ReasonUnsignedCandidate Reason = "UnsignedCandidate"
)

// Stall is an error only a new commit, or new credentials, can fix.
type Stall struct {
	Reason Reason
	Err    error
}

// Error returns the cause, or the reason when the stall has none.
func (s *Stall) Error() string {
	if s.Err == nil {
		return string(s.Reason)
	}
	return s.Err.Error()
}

func (s *Stall) Unwrap() error { return s.Err }

// AsStall returns the stall in err's chain, or nil.
func AsStall(err error) *Stall {
	var s *Stall
	if errors.As(err, &s) {
		return s
	}
	return nil
}
