package main_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
)

// TestCIPushesRaceWithPromotions pushes 100 CI commits to main while ferry
// promotes: no CI commit is lost, and no branch is ever rewritten.
func TestCIPushesRaceWithPromotions(t *testing.T) {
	if testing.Short() {
		t.Skip("race test: real time")
	}
	bare := gittest.InitBare(t)
	gittest.CommitFiles(t, bare, "main", "the wave", waveProject("200ms"))
	_, url := gittest.NewHTTPServer(t, bare, nil)
	startFerry(t, "run", "--repo", url, "--state-dir", filepath.Join(t.TempDir(), "state"), "--listen", "127.0.0.1:0", "--poll-interval", "50ms")

	work := filepath.Join(t.TempDir(), "ci")
	gittest.Git(t, "", "clone", "--quiet", bare, work)
	var seen []map[string]string // ref tips observed while running
	for i := range 100 {
		svc := fmt.Sprintf("svc%02d", i%waveServices)
		write(t, filepath.Join(work, "services", svc, "pin.yaml"), fmt.Sprintf("image: %s:2.0.%d\n", svc, i))
		gittest.Git(t, work, "commit", "--quiet", "-am", fmt.Sprintf("ci bump %d", i))
		for attempt := 0; ; attempt++ {
			if _, err := gittest.TryGit(work, "push", "--quiet", "origin", "HEAD:main"); err == nil {
				break
			}
			if attempt > 20 {
				t.Fatalf("CI push %d kept failing", i)
			}
			gittest.Git(t, work, "pull", "--quiet", "--rebase", "origin", "main")
		}
		if i%10 == 0 {
			seen = append(seen, refTips(t, bare))
		}
	}
	e2e.WaitFor(t, 3*time.Minute, "every bump in production", func() bool {
		out, err := gittest.TryGit(bare, "show", "stage/production:services/svc49/manifests.yaml")
		return err == nil && strings.Contains(out, "svc49:2.0.99")
	})
	seen = append(seen, refTips(t, bare))

	subjects := gittest.Git(t, bare, "log", "--format=%s", "main")
	for i := range 100 {
		if !strings.Contains(subjects+"\n", fmt.Sprintf("ci bump %d\n", i)) {
			t.Errorf("CI commit %d is lost", i)
		}
	}
	if n := strings.Count(subjects, "\n") + 1; n != 101 {
		t.Errorf("main has %d commits, want the seed and the 100 CI commits", n)
	}
	// Every tip seen during the run is an ancestor of the final tip of its
	// ref: nothing was rewritten.
	final := seen[len(seen)-1]
	for _, tips := range seen {
		for ref, tip := range tips {
			if final[ref] == "" {
				continue // a proposal branch may be gone
			}
			if _, err := gittest.TryGit(bare, "merge-base", "--is-ancestor", tip, final[ref]); err != nil {
				t.Errorf("%s was rewritten: %s is not an ancestor of %s", ref, tip[:7], final[ref][:7])
			}
		}
	}
	for i := range waveServices {
		out := gittest.Git(t, bare, "show", fmt.Sprintf("stage/production:services/svc%02d/manifests.yaml", i))
		if want := fmt.Sprintf("svc%02d:2.0.%d", i, 50+i); !strings.Contains(out, want) {
			t.Errorf("production svc%02d does not run the last bump %s", i, want)
		}
	}
	gittest.Git(t, bare, "fsck", "--full")
}

func refTips(tb testing.TB, bare string) map[string]string {
	tb.Helper()
	out := gittest.Git(tb, bare, "for-each-ref", "--format=%(refname) %(objectname)")
	tips := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, sha, ok := strings.Cut(line, " "); ok {
			tips[name] = sha
		}
	}
	return tips
}
