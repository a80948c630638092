package renderer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// executable is the running binary; /proc/self/exe still starts it when
// the file was replaced on disk since (an upgrade), where its path would
// start the new one.
func executable() (string, error) { return "/proc/self/exe", nil }

// sysProcAttr kills the worker when the thread that started it dies
// (ferry itself, in practice: Go does not end its threads).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// limitAddressSpace sets RLIMIT_AS to the address space the process holds
// now plus limit bytes: the runtime reserves address space up front, so
// the limit bounds what the render adds.
func limitAddressSpace(limit int64) error {
	held, err := addressSpace()
	if err != nil {
		return err
	}
	max := uint64(held) + uint64(limit)
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: max, Max: max})
}

// addressSpace reads VmSize from /proc/self/status, in bytes.
func addressSpace() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		rest, ok := strings.CutPrefix(line, "VmSize:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read VmSize in /proc/self/status: %w", err)
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmSize in /proc/self/status")
}
