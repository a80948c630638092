package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime/pprof"
	"time"
)

type config struct {
	commits     int
	files       int
	history     int
	readShort   int
	readLong    int
	readOps     int
	keep        bool
	workDir     string
	runPattern  *regexp.Regexp
	perCommitN  int
	window      int
	evaluations int
	services    int
	history100k int
	hooks       int
	projects    int
	// projectServices is the services of each project in the fleet benchmark.
	projectServices int
}

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	pattern := fs.String("run", ".", "run only the benchmarks whose name matches this regular expression")
	fs.IntVar(&c.commits, "commits", 1000, "commits to create in the write benchmark")
	fs.IntVar(&c.perCommitN, "per-commit", 1000, "commits in the push-per-commit variant")
	fs.IntVar(&c.files, "files", 5000, "files in the write benchmark's repository")
	fs.IntVar(&c.history, "history", 10000, "commits of history in the write benchmark's repository")
	fs.IntVar(&c.readShort, "read-short", 100, "commits of history of the short read repository")
	fs.IntVar(&c.readLong, "read-long", 100000, "commits of history of the long read repository")
	fs.IntVar(&c.readOps, "read-ops", 20000, "reads per repository in the read benchmark")
	fs.IntVar(&c.evaluations, "evaluations", 1000, "evaluations in the evaluator benchmark")
	fs.IntVar(&c.services, "services", 1000, "services in the loop benchmarks")
	fs.IntVar(&c.history100k, "loop-history", 100000, "commits on main in the long idle-pass benchmark")
	fs.IntVar(&c.hooks, "hooks", 50, "webhook pushes in the webhook benchmark")
	fs.IntVar(&c.projects, "projects", 200, "projects in the fleet benchmark")
	fs.IntVar(&c.projectServices, "project-services", 20, "services of each project in the fleet benchmark")
	fs.IntVar(&c.window, "window", 0, "gitstore's pack delta window (0: its default)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	re, err := regexp.Compile(*pattern)
	if err != nil {
		return fmt.Errorf("parse -run: %w", err)
	}
	c.runPattern = re
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	c.workDir, err = os.MkdirTemp("", "ferry-bench-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer func() { _ = os.RemoveAll(c.workDir) }()
	}
	benches := []struct {
		name string
		fn   func(context.Context, config) error
	}{
		{"gitstore-write", benchWrite},
		{"gitstore-read", benchRead},
		{"evaluator", benchEvaluate},
		{"loop-idle", benchIdle},
		{"loop-wave", benchWave},
		{"loop-webhook", benchWebhook},
		{"fleet", benchFleet},
	}
	for _, b := range benches {
		if !re.MatchString(b.name) {
			continue
		}
		start := time.Now()
		if err := b.fn(ctx, c); err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		fmt.Printf("(%s took %s)\n\n", b.name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
