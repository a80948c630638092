package renderer

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one render, the start of a worker included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxOutput bounds the manifests of one render: 16 MiB.
	DefaultMaxOutput = 16 << 20
	// DefaultMaxMemory bounds the memory of the worker process: 1 GiB.
	DefaultMaxMemory = 1 << 30
)

// Options are the limits of one render. The zero value means the defaults.
type Options struct {
	// Timeout is how long a render may take, the start of a worker
	// process included when one has to be started; then the worker is
	// killed. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxOutput is the largest size of the rendered manifests, in bytes.
	// Zero means DefaultMaxOutput.
	MaxOutput int64
	// MaxMemory bounds the memory a worker process may use, in bytes:
	// its heap as a soft limit for the garbage collector, and on Linux its
	// address space on top of what the runtime had reserved when it
	// started. Renders with different limits use different workers. Zero
	// means DefaultMaxMemory. In-process renders (see the package
	// documentation) are not bounded by it.
	MaxMemory int64
}

// Validate fills in the defaults and rejects negative limits.
func (o *Options) Validate() error {
	var errs []error
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("render timeout %s is negative", o.Timeout))
	}
	if o.MaxOutput < 0 {
		errs = append(errs, fmt.Errorf("render output limit %d is negative", o.MaxOutput))
	}
	if o.MaxMemory < 0 {
		errs = append(errs, fmt.Errorf("render memory limit %d is negative", o.MaxMemory))
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxOutput == 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	return errors.Join(errs...)
}

// Errors of a render that went over a limit; match them with errors.Is.
// The error returned says which limit and its value.
var (
	// ErrTimeout: the chart did not render within Options.Timeout.
	ErrTimeout = errors.New("render timed out")
	// ErrTooLarge: the manifests are larger than Options.MaxOutput.
	ErrTooLarge = errors.New("rendered manifests too large")
	// ErrOutOfMemory: the worker needed more than Options.MaxMemory.
	ErrOutOfMemory = errors.New("render out of memory")
)

// limitError is a render over a limit: its message says which and how
// much, and it matches one of the sentinels above.
type limitError struct {
	kind error
	msg  string
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.kind }

func timeoutError(d time.Duration) error {
	return &limitError{ErrTimeout, fmt.Sprintf("the chart did not render within %s", d)}
}

func tooLargeError(limit int64) error {
	return &limitError{ErrTooLarge, fmt.Sprintf("the rendered manifests exceed %s", size(limit))}
}

func outOfMemoryError(limit int64) error {
	return &limitError{ErrOutOfMemory, fmt.Sprintf("the chart needed more than %s of memory to render", size(limit))}
}

// size prints a byte count in the largest binary unit that divides it.
func size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
