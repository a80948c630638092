package memory_test

import (
	"runtime"
	"testing"

	"github.com/ferrycd/ferry/internal/memory"
)

var sink [][]byte

// After a burst of allocations the unused heap goes back to the operating
// system; right after that, a release is not repeated.
func TestReleaseAfterABurst(t *testing.T) {
	memory.Release() // start from a release
	for range 2 * memory.MinAllocated / (64 << 10) {
		sink = append(sink, make([]byte, 64<<10))
		if len(sink) > 64 {
			sink = sink[:0]
		}
	}
	sink = nil
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if !memory.Release() {
		t.Fatalf("no release after allocating %d MiB", 2*memory.MinAllocated>>20)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if idle := after.HeapIdle - after.HeapReleased; idle > 1<<20 {
		t.Errorf("%d KiB of unused heap kept after a release", idle>>10)
	}
	if memory.Release() {
		t.Error("released again with nothing allocated since")
	}
}
