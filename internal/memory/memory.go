package memory

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// MinAllocated is how much the process must have allocated since the last
// release before [Release] considers another.
const MinAllocated = 64 << 20

const (
	metricAllocs = "/gc/heap/allocs:bytes" // allocated since the start
	metricLive   = "/gc/heap/live:bytes"   // marked live by the last collection
	metricGOGC   = "/gc/gogc:percent"      // GOGC; 0 when collection is off
	metricLimit  = "/gc/gomemlimit:bytes"  // GOMEMLIMIT; math.MaxInt64 when unset
)

var (
	mu   sync.Mutex
	last uint64 // metricAllocs at the last release
)

// Release returns to the operating system the heap memory the runtime
// holds but no longer uses, once the process has allocated, since the
// last release, at least [MinAllocated] and twice its live heap. It is
// called after each reconcile pass. A pass over a large project builds
// thousands of commits and trees in memory, or reads thousands of run
// files; without Release the runtime keeps the peak of that heap long
// after the pass (its background scavenger gives memory back at about 1%
// of a CPU), and the resident memory of an idle ferry stays at the peak of
// its largest pass. A release costs one garbage collection; the bound
// keeps it rare beside the collections the runtime makes anyway (one per
// live heap allocated), also in a process that runs many projects. It
// reports whether it released. It leaves alone a process whose memory is
// tuned by its operator: with GOMEMLIMIT set or GOGC=off.
func Release() bool {
	s := []metrics.Sample{{Name: metricAllocs}, {Name: metricLive}, {Name: metricGOGC}, {Name: metricLimit}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return false
		}
	}
	if s[2].Value.Uint64() == 0 || s[3].Value.Uint64() != math.MaxInt64 {
		return false
	}
	allocs, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	mu.Lock()
	defer mu.Unlock()
	if allocs-last < max(MinAllocated, 2*live) {
		return false
	}
	last = allocs
	debug.FreeOSMemory()
	return true
}
