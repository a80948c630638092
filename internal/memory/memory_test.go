package memory_test

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/ferrycd/ferry/internal/memory"
)

var sink [][]byte

// burst allocates n bytes in 64 KiB pieces, keeping little of it live.
func burst(n int) {
	for range n / (64 << 10) {
		sink = append(sink, make([]byte, 64<<10))
		if len(sink) > 64 {
			sink = sink[:0]
		}
	}
	sink = nil
}

// After a burst of allocations the unused heap goes back to the operating
// system; right after that, a release is not repeated.
func TestReleaseAfterABurst(t *testing.T) {
	memory.Release() // start from a release
	burst(2 * memory.MinAllocated)
	released := memory.Release()
	// The runtime's allocation count is read from per-thread caches that
	// may not be flushed yet: a little more allocation makes it current.
	for i := 0; !released && i < 4; i++ {
		burst(memory.MinAllocated / 4)
		released = memory.Release()
	}
	if !released {
		t.Fatalf("no release after allocating %d MiB", 3*memory.MinAllocated>>20)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if idle := after.HeapIdle - after.HeapReleased; idle > 8<<20 {
		t.Errorf("%d KiB of unused heap kept after a release", idle>>10)
	}
	if memory.Release() {
		t.Error("released again with nothing allocated since")
	}
}

// An operator's memory limit is the runtime's to keep: no release.
func TestReleaseLeavesAMemoryLimitAlone(t *testing.T) {
	old := debug.SetMemoryLimit(1 << 40)
	defer debug.SetMemoryLimit(old)
	burst(3 * memory.MinAllocated)
	if memory.Release() {
		t.Error("released under GOMEMLIMIT")
	}
}
