package renderer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages/renderer"
)

// TestMain lets the test binary serve as the render worker.
func TestMain(m *testing.M) {
	renderer.MaybeServeWorker()
	os.Exit(m.Run())
}

// Templates of hostile charts.
const (
	endless = `{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}`
	// huge renders 1 MiB; hungry would render about 2 GB.
	huge   = `data: {{ range until 1024 }}{{ "x" | repeat 1024 }}{{ end }}`
	hungry = `data: {{ range until 100000 }}{{ "x" | repeat 20000 }}{{ end }}`
)

// testLimits keep the tests short.
var testLimits = renderer.Options{Timeout: 2 * time.Second, MaxOutput: 256 << 10, MaxMemory: 256 << 20}

func request(templates map[string]string, values map[string]any) *renderer.Request {
	chart := map[string][]byte{
		"Chart.yaml":  []byte("apiVersion: v2\nname: web\nversion: 0.1.0\n"),
		"values.yaml": []byte("replicas: 1\nimage: web:1\n"),
	}
	for name, text := range templates {
		chart["templates/"+name] = []byte(text)
	}
	return &renderer.Request{Chart: chart, ChartDir: "services/web/chart", Release: "web", Namespace: "shop-dev", Values: values}
}

var normal = map[string]string{
	"deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - image: {{ .Values.image }}\n",
	"values.yaml":     "{{ toYaml .Values }}\n",
	"_helpers.tpl":    `{{ define "web.name" }}web{{ end }}`,
	"NOTES.txt":       "thanks",
	"empty.yaml":      "{{ if false }}x: 1{{ end }}",
}

// values holds every kind of value YAML decodes to, and the corner cases
// of an encoding: null, empty list and mapping, large and float numbers.
func values() map[string]any {
	return map[string]any{
		"replicas": 3,
		"image":    "web:2",
		"big":      int64(1) << 62,
		"huge":     uint64(1) << 63,
		"ratio":    0.25,
		"million":  1e6,
		"on":       true,
		"none":     nil,
		"list":     []any{},
		"map":      map[string]any{},
		"keys":     map[any]any{1: "one"},
		"at":       time.Date(2001, 12, 14, 21, 59, 43, 100, time.FixedZone("", -5*3600)),
		"day":      time.Date(2002, 12, 14, 0, 0, 0, 0, time.UTC),
		"nested":   map[string]any{"a": []any{1, "two", nil, map[string]any{"b": 2.5}}},
	}
}

func TestRenderMatchesHelm(t *testing.T) {
	want, err := renderer.RenderHelm(request(normal, values()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(want), "# Source: web/templates/deployment.yaml\napiVersion: apps/v1") {
		t.Fatalf("unexpected manifests:\n%s", want)
	}
	for name, render := range map[string]func(context.Context, *renderer.Request, renderer.Options) ([]byte, error){
		"worker":     renderer.Render,
		"in-process": renderer.RenderInProcess,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := render(context.Background(), request(normal, values()), testLimits)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("manifests (-helm +%s):\n%s", name, diff)
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	tests := []struct {
		name     string
		template string
		opts     renderer.Options
		want     error
		msg      string
		killed   bool // the worker is killed, not kept
	}{
		{"endless", endless, testLimits, renderer.ErrTimeout, "the chart did not render within 2s", true},
		{"huge", huge, testLimits, renderer.ErrTooLarge, "the rendered manifests exceed 256 KiB", false},
		{"hungry", hungry, renderer.Options{Timeout: 20 * time.Second, MaxMemory: 64 << 20}, renderer.ErrOutOfMemory, "the chart needed more than 64 MiB of memory to render", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			renderer.CloseIdleWorkers()
			before := runtime.NumGoroutine()
			var pids []int
			renderer.SetWorkerStarted(func(pid int) { pids = append(pids, pid) })
			defer renderer.SetWorkerStarted(nil)
			start := time.Now()
			_, err := renderer.Render(context.Background(), request(map[string]string{"bad.yaml": tt.template}, nil), tt.opts)
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Fatalf("Render = %v, want %q", err, tt.msg)
			}
			if elapsed := time.Since(start); elapsed > tt.opts.Timeout+3*time.Second {
				t.Errorf("Render returned after %s", elapsed)
			}
			if len(pids) != 1 {
				t.Fatalf("started %d workers, want 1", len(pids))
			}
			if err := syscall.Kill(pids[0], 0); tt.killed != errors.Is(err, syscall.ESRCH) {
				t.Errorf("worker %d after Render: kill 0 = %v, want it killed: %t", pids[0], err, tt.killed)
			}
			renderer.CloseIdleWorkers()
			if err := syscall.Kill(pids[0], 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("worker %d still there when stopped: kill 0 = %v", pids[0], err)
			}
			waitGoroutines(t, before)
		})
	}
}

// TestWorkerReused: workers serve render after render, and a worker
// killed at the time limit is replaced.
func TestWorkerReused(t *testing.T) {
	renderer.CloseIdleWorkers()
	defer renderer.CloseIdleWorkers()
	var pids []int
	renderer.SetWorkerStarted(func(pid int) { pids = append(pids, pid) })
	defer renderer.SetWorkerStarted(nil)
	want, err := renderer.RenderHelm(request(normal, values()))
	if err != nil {
		t.Fatal(err)
	}
	for i, tmpl := range []map[string]string{normal, normal, {"bad.yaml": endless}, normal} {
		got, err := renderer.Render(context.Background(), request(tmpl, values()), testLimits)
		if i == 2 {
			if !errors.Is(err, renderer.ErrTimeout) {
				t.Errorf("render %d = %v, want the timeout", i, err)
			}
			continue
		}
		if err != nil || string(got) != string(want) {
			t.Errorf("render %d = %v, or different manifests", i, err)
		}
	}
	if len(pids) != 2 {
		t.Errorf("started %d workers, want 2 (one, then one after the kill)", len(pids))
	}
}

// waitGoroutines fails when the goroutines started by a render are still
// running a moment after it returned.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRenderInProcessLimits(t *testing.T) {
	opts := renderer.Options{Timeout: 200 * time.Millisecond, MaxOutput: 256 << 10}
	_, err := renderer.RenderInProcess(context.Background(), request(map[string]string{"bad.yaml": huge}, nil), opts)
	if !errors.Is(err, renderer.ErrTooLarge) {
		t.Errorf("huge: %v, want ErrTooLarge", err)
	}
	// A slow template, not an endless one: the goroutine that runs it
	// is abandoned and ends a little later.
	slow := `{{ range until 2000 }}{{ range until 2000 }}x{{ end }}{{ end }}`
	_, err = renderer.RenderInProcess(context.Background(), request(map[string]string{"bad.yaml": slow}, nil), opts)
	if !errors.Is(err, renderer.ErrTimeout) || err.Error() != "the chart did not render within 200ms" {
		t.Errorf("slow: %v, want the timeout", err)
	}
}

func TestRenderErrors(t *testing.T) {
	_, err := renderer.Render(context.Background(), request(map[string]string{"broken.yaml": "x: {{ .Values.nope.deeper }}\n"}, nil), testLimits)
	if err == nil || !strings.Contains(err.Error(), "web/templates/broken.yaml:1") {
		t.Errorf("broken template: %v, want an error naming web/templates/broken.yaml:1", err)
	}
	req := request(normal, nil)
	delete(req.Chart, "Chart.yaml")
	_, err = renderer.Render(context.Background(), req, testLimits)
	if err == nil || !strings.HasPrefix(err.Error(), "load chart services/web/chart: ") {
		t.Errorf("no Chart.yaml: %v, want an error naming services/web/chart", err)
	}
	_, err = renderer.Render(context.Background(), request(normal, map[string]any{"f": func() {}}), testLimits)
	if err == nil || !strings.Contains(err.Error(), "encode the values of web") {
		t.Errorf("a func value: %v, want an encoding error", err)
	}
}

func TestRenderCanceled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := renderer.Render(ctx, request(map[string]string{"bad.yaml": endless}, nil), testLimits)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, renderer.ErrTimeout) {
		t.Errorf("Render = %v, want the caller's deadline", err)
	}
}

func TestRenderConcurrently(t *testing.T) {
	want, err := renderer.RenderHelm(request(normal, values()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			// Generous for the charts that render: eight renders share
			// two CPUs with two endless ones.
			tmpl, opts := normal, testLimits
			opts.Timeout = 20 * time.Second
			if i%4 == 3 {
				tmpl, opts = map[string]string{"bad.yaml": endless}, testLimits
			}
			got, err := renderer.Render(context.Background(), request(tmpl, values()), opts)
			switch {
			case i%4 == 3 && !errors.Is(err, renderer.ErrTimeout):
				errs <- fmt.Errorf("render %d: %w, want the timeout", i, err)
			case i%4 != 3 && (err != nil || string(got) != string(want)):
				errs <- fmt.Errorf("render %d: %w, or different manifests", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOptionsValidate(t *testing.T) {
	var o renderer.Options
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	want := renderer.Options{Timeout: renderer.DefaultTimeout, MaxOutput: renderer.DefaultMaxOutput, MaxMemory: renderer.DefaultMaxMemory}
	if o != want {
		t.Errorf("Validate filled %+v, want %+v", o, want)
	}
	o = renderer.Options{Timeout: -1, MaxOutput: -1, MaxMemory: -1}
	err := o.Validate()
	for _, s := range []string{"timeout", "output", "memory"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("Validate = %v, want an error about the %s", err, s)
		}
	}
}
