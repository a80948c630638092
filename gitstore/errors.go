package gitstore

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with [errors.Is] or the IsX helpers.
var (
	// ErrStale reports that a ref moved on the remote since the snapshot a
	// push was computed from. Fetch again and recompute; nothing was written.
	ErrStale = errors.New("remote ref moved since fetch")
	// ErrAuth reports that the remote refused the credentials or the
	// permission to read or write. Only a configuration change fixes it.
	ErrAuth = errors.New("authentication or permission denied")
	// ErrNetwork reports that the remote could not be reached or the
	// connection broke. Retry with backoff.
	ErrNetwork = errors.New("remote unreachable")
	// ErrRejected reports that the remote refused the push for another
	// reason (a hook, a protected branch, no atomic support).
	ErrRejected = errors.New("push rejected by remote")
	// ErrNotFound reports a path, ref, note or object that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt reports that the mirror cannot read an object or ref it
	// has, or lacks one that its refs reach: a damaged or truncated file,
	// a missing pack. The remote has everything the mirror holds, so
	// [Store.Heal] rebuilds it; [Store.Fetch] and [Store.Update] do so by
	// themselves.
	ErrCorrupt = errors.New("mirror is corrupt")
	// ErrLocked reports that another process holds the state directory.
	ErrLocked = errors.New("state directory is in use by another process")
	// ErrStopWalk is returned by the function of [Reader.Log] to end the
	// walk early; Log then returns nil. It is never returned by the package.
	ErrStopWalk = errors.New("stop walk")
)

// IsStale reports whether err means "fetch again and recompute".
func IsStale(err error) bool { return errors.Is(err, ErrStale) }

// IsAuth reports whether err is a credential or permission problem.
func IsAuth(err error) bool { return errors.Is(err, ErrAuth) }

// IsTransient reports whether retrying the same operation later may succeed.
func IsTransient(err error) bool { return errors.Is(err, ErrNetwork) }

// IsNotFound reports whether err means the thing asked for does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsCorrupt reports whether err means the mirror is damaged and
// [Store.Heal] should rebuild it.
func IsCorrupt(err error) bool { return errors.Is(err, ErrCorrupt) }

// RefStatus is the remote's answer for one ref of a push.
type RefStatus struct {
	Ref    string
	Status string
}

// PushError describes a push the remote did not apply. Kind is one of
// [ErrStale], [ErrAuth], [ErrNetwork] or [ErrRejected].
type PushError struct {
	Kind  error
	Refs  []RefStatus
	cause error
}

func (e *PushError) Error() string {
	msg := e.Kind.Error()
	for _, r := range e.Refs {
		msg += fmt.Sprintf("; %s: %s", r.Ref, r.Status)
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the kind and the underlying cause.
func (e *PushError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.cause}
}
