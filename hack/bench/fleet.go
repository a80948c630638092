package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler"
)

// benchFleet measures one process delivering many projects: the idle pass
// of each project in a fleet of c.projects against the same pass when the
// process holds one project (the baseline, in the same process), and what
// the projects cost in memory.
func benchFleet(ctx context.Context, c config) error {
	fmt.Printf("fleet: %d projects x %d services x 3 stages in one process\n", c.projects, c.projectServices)
	clk := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	runtime.GC()
	heap0, rss0 := memory()
	type project struct {
		s *gitstore.Store
		r *reconciler.Reconciler
	}
	var projects []project
	defer func() {
		for _, p := range projects {
			_ = p.s.Close()
		}
	}()
	t0 := time.Now()
	for i := range c.projects {
		remote := filepath.Join(c.workDir, fmt.Sprintf("fleet-%03d.git", i))
		if err := makeProject(remote, c.projectServices, 10); err != nil {
			return err
		}
		s, r, err := newLoopReconciler(filepath.Join(c.workDir, fmt.Sprintf("fleet-state-%03d", i)), remote, clk)
		if err != nil {
			return err
		}
		projects = append(projects, project{s, r})
		if _, err := deliverAll(ctx, r, clk); err != nil {
			return err
		}
	}
	setup := time.Since(t0)
	one := measure(50, func() error { _, err := projects[0].r.Pass(ctx); return err })
	all := measure(5, func() error {
		for _, p := range projects {
			if _, err := p.r.Pass(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	perProject := all.avg / time.Duration(len(projects))
	runtime.GC()
	heap, rss := memory()
	fmt.Printf("  idle pass of one project: alone %s, in a fleet of %d %s per project (%.2fx); a round over all %s\n",
		one.avg.Round(time.Microsecond), len(projects), perProject.Round(time.Microsecond),
		float64(perProject)/float64(one.avg), all.avg.Round(time.Millisecond))
	fmt.Printf("  memory of %d projects: heap %.1f MiB (%.2f MiB per project), RSS %.1f MiB (+%.1f MiB)   [setup %s]\n",
		len(projects), mib(heap-heap0), mib(heap-heap0)/float64(len(projects)), mib(rss), mib(rss-rss0), setup.Round(time.Second))
	fmt.Println("  goal: a project's idle pass costs the same in a fleet as alone (ratio ~1)")
	return nil
}

// memory returns the heap in use and the process's resident set size.
func memory() (heap, rss uint64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss = kb << 10
			}
		}
	}
	return ms.HeapInuse, rss
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
