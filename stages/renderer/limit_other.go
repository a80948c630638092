//go:build !linux

package renderer

import (
	"os"
	"syscall"
)

// executable is the running binary.
func executable() (string, error) { return os.Executable() }

// sysProcAttr has nothing to add outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// limitAddressSpace does nothing outside Linux: the worker's memory is
// bounded by the garbage collector's soft limit only.
func limitAddressSpace(int64) error { return nil }
