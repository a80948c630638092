package main_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/gittest"
)

const waveServices = 50

// waveProject is 50 services delivered through three stages, with short
// waits and no gates: a wave of 150 deployments.
func waveProject(settle string) gittest.Files {
	files := gittest.Files{
		"shipyard.yaml": gittest.Text(`apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata: {name: wave}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks: [{name: deployment, properties: {settle: SETTLE}}, {name: release}]
    - name: staging
      sequences:
        - name: delivery
          triggeredOn: [{event: dev.delivery.finished}]
          tasks: [{name: deployment, properties: {settle: SETTLE}}, {name: release}]
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: staging.delivery.finished}]
          tasks: [{name: deployment, properties: {settle: SETTLE}}, {name: release}]
`),
	}
	files["shipyard.yaml"] = gittest.Text(strings.ReplaceAll(*files["shipyard.yaml"], "SETTLE", settle))
	for i := range waveServices {
		svc := fmt.Sprintf("svc%02d", i)
		files["services/"+svc+"/pin.yaml"] = gittest.Text(fmt.Sprintf("image: %s:1.0.%d\n", svc, i))
		files["services/"+svc+"/chart/Chart.yaml"] = gittest.Text("apiVersion: v2\nname: " + svc + "\nversion: 0.1.0\n")
		files["services/"+svc+"/chart/templates/cm.yaml"] = gittest.Text("kind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\ndata: {image: {{ .Values.image | quote }}}\n")
	}
	return files
}

// TestCrashesLoseNothingAndRepeatNothing kills ferry run with SIGKILL at
// random moments during a 50-service wave and restarts it on the same
// state directory, until the wave is in production. Every service must
// reach every stage exactly once, and nothing else may be written.
func TestCrashesLoseNothingAndRepeatNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: a minute of real time")
	}
	bare := gittest.InitBare(t)
	gittest.CommitFiles(t, bare, "main", "the wave", waveProject("3s"))
	_, url := gittest.NewHTTPServer(t, bare, nil)
	state := filepath.Join(t.TempDir(), "state")
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill timing seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	kills := 0
	deadline := time.Now().Add(3 * time.Minute)
	for deployed(bare, "production") < waveServices {
		if time.Now().After(deadline) {
			t.Fatalf("the wave did not reach production in time: %d/%d after %d kills", deployed(bare, "production"), waveServices, kills)
		}
		cmd := exec.Command(ferryBin, "run", "--repo", url, "--state-dir", state, "--listen", "127.0.0.1:0", "--poll-interval", "100ms")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		_ = cmd.Process.Kill() // SIGKILL: no cleanup, no flush
		_ = cmd.Wait()
		kills++
	}
	t.Logf("wave in production after %d kills", kills)
	if kills < 10 {
		t.Errorf("only %d kills: the test did not interrupt the wave", kills)
	}
	for _, stage := range []string{"dev", "staging", "production"} {
		tasks := gittest.Git(t, bare, "log", "--format=%(trailers:key=Ferry-Service,valueonly,separator=)|%(trailers:key=Ferry-Task,valueonly,separator=)", "stage/"+stage)
		count := map[string]int{}
		for _, line := range strings.Split(tasks, "\n") {
			count[line]++
		}
		for i := range waveServices {
			key := fmt.Sprintf("svc%02d|deployment", i)
			if count[key] != 1 {
				t.Errorf("%s: svc%02d deployed %d times", stage, i, count[key])
			}
			delete(count, key)
		}
		if len(count) > 0 {
			t.Errorf("%s has other commits: %v", stage, count)
		}
	}
	gittest.Git(t, bare, "fsck", "--full")
}

// deployed counts the services deployed to a stage branch.
func deployed(bare, stage string) int {
	out, err := gittest.TryGit(bare, "ls-tree", "--name-only", "stage/"+stage+":services")
	if err != nil || out == "" {
		return 0
	}
	return len(strings.Split(out, "\n"))
}
