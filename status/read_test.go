package status_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

const statusBranch = "ferry/status"

// repo is a bare repository served in process, with commits made on
// ferry/status by the git command line.
type repo struct {
	dir   string
	store *gitstore.Store
}

func newRepo(tb testing.TB) *repo {
	tb.Helper()
	dir := gittest.InitBare(tb)
	srv := gittest.NewInProcess(tb, dir)
	store, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(tb.TempDir(), "state")})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	return &repo{dir: dir, store: store}
}

// commit commits files on ferry/status and fetches it; it returns the
// commit, which stays readable after later commits.
func (r *repo) commit(tb testing.TB, msg string, files gittest.Files) gitstore.Hash {
	tb.Helper()
	sha := gittest.CommitFiles(tb, r.dir, statusBranch, msg, files)
	res, err := r.store.Fetch(context.Background())
	if err != nil {
		tb.Fatalf("fetch: %v", err)
	}
	if got := res.Snapshot.Get(r.store.FerryRef("status")); got.String() != sha {
		tb.Fatalf("fetched %s at %s, want %s", statusBranch, got, sha)
	}
	return gitstore.NewHash(sha)
}

func (r *repo) read(tb testing.TB, commit gitstore.Hash, cache *status.Cache) *status.Branch {
	tb.Helper()
	b, err := status.Read(r.store.Reader, commit, cache)
	if err != nil {
		tb.Fatalf("read %s at %s: %v", statusBranch, commit, err)
	}
	return b
}

func yamlText(v any) *string { return gittest.Text(string(status.Marshal(v))) }

func jsonText(tb testing.TB, v any) *string {
	tb.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return gittest.Text(string(data))
}

var (
	fixtureState = &status.State{
		Version: status.FormatVersion, LastMain: mainTip, NextRun: 14,
		Stages: []string{"dev", "staging", "production"},
	}
	devCarts = &status.Slot{
		Stage: "dev", Service: "carts",
		Deployed: &status.Deployment{Candidate: carts112, Pin: "image=carts:0.11.2", Run: "r10", StageCommit: devCommit1, Since: ago(3 * time.Hour), Verdict: "pass", Score: score(95.5)},
		Last: &status.Run{
			ID: "r10", Candidate: carts112, Pin: "image=carts:0.11.2", Sequence: "delivery", Phase: status.PhaseSucceeded,
			Result: "pass", Score: score(95.5), Since: ago(3 * time.Hour), Ended: ago(2 * time.Hour),
		},
	}
	deployedReport = &status.Report{Kind: status.ReportDeployed, Stage: "production", Commit: prodCommit2, Received: ago(2 * time.Hour)}
	testReport     = &status.Report{Kind: status.ReportTest, Run: "r9", Result: "pass", Start: ago(time.Hour), End: ago(30 * time.Minute), Received: ago(20 * time.Minute)}
)

// Paths of the fixture's files.
const (
	brokenRun      = "runs/staging/carts.yaml"
	misplacedRun   = "runs/staging/orders.yaml"
	brokenProblem  = "problems/p-broken.yaml"
	deployedFile   = "reports/20240501T100000.000000Z-0a1b2c3d4e5f-deployed.json"
	unreadableFile = "reports/20240501T110000.000000Z-1a2b3c4d5e6f-test.json"
	testFile       = "reports/20240501T114000.000000Z-2a3b4c5d6e7f-test.json"
)

// statusFiles is a ferry/status branch as ferry writes it, with a few
// files broken by hand.
func statusFiles(tb testing.TB) gittest.Files {
	tb.Helper()
	misplaced := devCarts.Clone()
	misplaced.Service = "orders"
	return gittest.Files{
		status.StateFile:                          yamlText(fixtureState),
		status.SlotPath("dev", "carts"):           yamlText(devCarts),
		status.SlotPath("production", "carts"):    yamlText(sampleSlot()),
		brokenRun:                                 gittest.Text("current: [this is not a slot\n"),
		misplacedRun:                              yamlText(misplaced),
		"runs/dev/README.md":                      gittest.Text("not a run file\n"),
		status.ProblemPath(sampleProblem().ID):    yamlText(sampleProblem()),
		brokenProblem:                             gittest.Text("id: p-broken\nactions: {index: 0\n"),
		deployedFile:                              jsonText(tb, deployedReport),
		unreadableFile:                            gittest.Text(`{"kind": "test", "run": `),
		testFile:                                  jsonText(tb, testReport),
		status.MarkdownFile:                       gittest.Text("# ferry status\n"),
		status.JSONFile:                           gittest.Text("{}\n"),
		"ledger/dev/carts/r10.yaml":               gittest.Text("verdict: pass\n"),
		status.ProblemPath("p-closed") + ".orig":  gittest.Text("junk"),
		status.SlotPath("staging", "carts") + "~": gittest.Text("junk"),
	}
}

// TestRead reads one branch, as ferry writes it with a few files broken by
// hand, in several ways.
func TestRead(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	commit := r.commit(t, "seed", statusFiles(t))
	t.Run("contents", func(t *testing.T) { testContents(t, r, commit) })
	t.Run("Slot", func(t *testing.T) { testSlot(t, r, commit) })
	t.Run("Edits", func(t *testing.T) { testEdits(t, r, commit) })
	t.Run("Cache", func(t *testing.T) { testCacheCopies(t, r, commit) })
}

// testContents checks what reads, and how what does not is reported.
func testContents(t *testing.T, r *repo, commit gitstore.Hash) {
	b := r.read(t, commit, nil)

	if b.Commit != commit {
		t.Errorf("Commit = %s, want %s", b.Commit, commit)
	}
	if diff := cmp.Diff(fixtureState, b.State); diff != "" {
		t.Errorf("State (-want +got):\n%s", diff)
	}
	wantSlots := map[string]*status.Slot{"dev/carts": devCarts, "production/carts": sampleSlot()}
	if diff := cmp.Diff(wantSlots, b.Slots, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Slots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*status.Problem{sampleProblem()}, b.Problems); diff != "" {
		t.Errorf("Problems (-want +got):\n%s", diff)
	}

	// The unreadable report is skipped, the others are listed oldest first
	// with their file.
	dep, tst := *deployedReport, *testReport
	dep.File, tst.File = deployedFile, testFile
	if diff := cmp.Diff([]*status.Report{&dep, &tst}, b.Reports); diff != "" {
		t.Errorf("Reports (-want +got):\n%s", diff)
	}

	wantCorrupt := []struct {
		c       status.Corruption
		errText string // in Err
	}{
		{status.Corruption{File: brokenRun, Stage: "staging", Service: "carts"}, "did not find expected"},
		{status.Corruption{File: misplacedRun, Stage: "staging", Service: "orders"}, "the file is for dev/orders"},
		{status.Corruption{File: brokenProblem, Problem: "p-broken"}, "did not find expected"},
	}
	if len(b.Corrupt) != len(wantCorrupt) {
		t.Fatalf("Corrupt = %s, want %d files", corruptFiles(b), len(wantCorrupt))
	}
	for i, w := range wantCorrupt {
		got := b.Corrupt[i]
		if diff := cmp.Diff(w.c, *got, cmpopts.IgnoreFields(status.Corruption{}, "Err")); diff != "" {
			t.Errorf("Corrupt[%d] (-want +got):\n%s", i, diff)
		}
		if !strings.Contains(got.Err, w.errText) {
			t.Errorf("Corrupt[%d].Err = %q, want it to say %q", i, got.Err, w.errText)
		}
		if !strings.HasPrefix(got.Error(), "read "+w.c.File+": ") {
			t.Errorf("Corrupt[%d].Error() = %q, want it to name the file", i, got.Error())
		}
	}
}

func corruptFiles(b *status.Branch) []string {
	var out []string
	for _, c := range b.Corrupt {
		out = append(out, c.File+": "+c.Err)
	}
	return out
}

// Slot hands out the slot read, a fresh one for a service without a file,
// and nothing for a corrupt file: its item waits for a repair.
func testSlot(t *testing.T, r *repo, commit gitstore.Hash) {
	b := r.read(t, commit, nil)

	for _, k := range [][2]string{{"staging", "carts"}, {"staging", "orders"}} {
		if s := b.Slot(k[0], k[1]); s != nil {
			t.Errorf("Slot(%s, %s) = %+v, want nil: its file is corrupt", k[0], k[1], s)
		}
		if c := b.CorruptSlot(k[0], k[1]); c == nil {
			t.Errorf("CorruptSlot(%s, %s) = nil", k[0], k[1])
		}
	}
	if got := b.Slot("dev", "carts"); got != b.Slots["dev/carts"] {
		t.Errorf("Slot(dev, carts) is not the slot read")
	}
	fresh := b.Slot("production", "payments")
	if diff := cmp.Diff(&status.Slot{Stage: "production", Service: "payments"}, fresh); diff != "" {
		t.Errorf("Slot of an unknown service (-want +got):\n%s", diff)
	}
	if b.Slot("production", "payments") != fresh {
		t.Errorf("a second Slot(production, payments) returned another slot")
	}
	if c := b.CorruptSlot("production", "payments"); c != nil {
		t.Errorf("CorruptSlot(production, payments) = %v", c)
	}
	if diff := cmp.Diff([]string{"dev/carts", "production/carts", "production/payments"}, b.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
}

// Edits writes exactly the items changed since the read, never a corrupt
// file, and nothing at all when nothing changed.
func testEdits(t *testing.T, r *repo, commit gitstore.Hash) {
	corrupt := map[string]bool{brokenRun: true, misplacedRun: true, brokenProblem: true}

	tests := []struct {
		name   string
		change func(*status.Branch)
		want   []string // paths written
	}{
		{name: "nothing changed", change: func(*status.Branch) {}},
		{
			name:   "one slot",
			change: func(b *status.Branch) { b.Slot("dev", "carts").Last.Message = "all objectives met" },
			want:   []string{"runs/dev/carts.yaml"},
		},
		{
			name: "a slot's queue",
			change: func(b *status.Branch) {
				s := b.Slot("production", "carts")
				s.Queue = append(s.Queue, &status.Run{ID: "r14", Candidate: carts112, Sequence: "delivery", Phase: status.PhaseQueued, Since: fixedNow})
			},
			want: []string{"runs/production/carts.yaml"},
		},
		{
			name:   "a problem",
			change: func(b *status.Branch) { b.Problem(sampleProblem().ID).AlertResolved = true },
			want:   []string{status.ProblemPath(sampleProblem().ID)},
		},
		{
			name:   "a new run id",
			change: func(b *status.Branch) { b.NewRunID() },
			want:   []string{status.StateFile},
		},
		{
			name: "a slot and a problem",
			change: func(b *status.Branch) {
				b.Slot("production", "carts").Current.Approver = "Ann Operator <ann@example.com>"
				b.Problem(sampleProblem().ID).Status = status.ProblemClosed
			},
			want: []string{"runs/production/carts.yaml", status.ProblemPath(sampleProblem().ID)},
		},
		{
			name: "a corrupt slot stays untouched",
			change: func(b *status.Branch) {
				if s := b.Slot("staging", "carts"); s != nil {
					s.Last = &status.Run{ID: "r99"}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := r.read(t, commit, nil)
			tt.change(b)
			edits := b.Edits()
			var got []string
			for _, e := range edits {
				got = append(got, e.Path)
				if corrupt[e.Path] {
					t.Errorf("Edits writes the corrupt file %s", e.Path)
				}
				if e.Delete {
					t.Errorf("Edits deletes %s", e.Path)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("paths written (-want +got):\n%s", diff)
			}
			// What is written reads back as the changed item.
			for _, e := range edits {
				if strings.HasPrefix(e.Path, status.RunsDir+"/") {
					s, err := status.ParseSlot(e.Data)
					if err != nil {
						t.Fatalf("%s as written: %v", e.Path, err)
					}
					if diff := cmp.Diff(b.Slots[s.Key()], s, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s as written (-branch +file):\n%s", e.Path, diff)
					}
				}
			}
		})
	}
}

// A file formatted by hand is rewritten once in ferry's form, with the same
// content; after that a pass that changes nothing writes nothing.
func TestEditsConverge(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	const handWritten = `# fixed by hand after the incident
stage: dev
service: carts
deployed: {candidate: ` + carts112 + `, pin: "image=carts:0.11.2", since: 2024-05-01T09:00:00Z}
`
	const oldState = "nextRun: 7\nlastMain: " + mainTip + "\n" // format version 1
	commit := r.commit(t, "edit by hand", gittest.Files{
		status.StateFile:                gittest.Text(oldState),
		status.SlotPath("dev", "carts"): gittest.Text(handWritten),
	})
	b := r.read(t, commit, nil)
	edits := b.Edits()
	files := gittest.Files{}
	var paths []string
	for _, e := range edits {
		paths = append(paths, e.Path)
		files[e.Path] = gittest.Text(string(e.Data))
	}
	if diff := cmp.Diff([]string{status.SlotPath("dev", "carts"), status.StateFile}, paths); diff != "" {
		t.Fatalf("first pass writes (-want +got):\n%s", diff)
	}
	st, err := status.ParseState([]byte(*files[status.StateFile]))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&status.State{Version: status.FormatVersion, NextRun: 7, LastMain: mainTip}, st); diff != "" {
		t.Errorf("state.yaml upgraded (-want +got):\n%s", diff)
	}

	again := r.read(t, r.commit(t, "ferry's pass", files), nil)
	if diff := cmp.Diff(b.Slots, again.Slots, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the rewrite changed the slot (-before +after):\n%s", diff)
	}
	if edits := again.Edits(); len(edits) != 0 {
		t.Errorf("second pass writes %d file(s), want none: %s", len(edits), edits[0].Path)
	}
}

func TestReadStateErrors(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	tests := []struct {
		name, state, wantErr string
	}{
		{name: "not YAML", state: "nextRun: [1\n", wantErr: "read state.yaml: yaml: "},
		{name: "newer format", state: "formatVersion: 3\nnextRun: 2\n", wantErr: "read state.yaml: format version 3 is newer than this ferry reads (2): upgrade ferry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			commit := r.commit(t, tt.name, gittest.Files{status.StateFile: gittest.Text(tt.state), status.SlotPath("dev", "carts"): yamlText(devCarts)})
			b, err := status.Read(r.store.Reader, commit, nil)
			if err == nil {
				t.Fatalf("Read = %+v, want an error", b)
			}
			var c *status.Corruption
			if !errors.As(err, &c) || c.File != status.StateFile {
				t.Errorf("Read error %v (%T), want a *status.Corruption of %s", err, err, status.StateFile)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Read error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadEmptyBranch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		commit func(testing.TB, *repo) gitstore.Hash
	}{
		{name: "no branch yet", commit: func(testing.TB, *repo) gitstore.Hash { return gitstore.Hash{} }},
		{name: "an empty commit", commit: func(tb testing.TB, r *repo) gitstore.Hash { return r.commit(tb, "empty", nil) }},
	}
	r := newRepo(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := r.read(t, tt.commit(t, r), nil)
			if len(b.Slots) != 0 || len(b.Problems) != 0 || len(b.Reports) != 0 || len(b.Corrupt) != 0 {
				t.Errorf("empty branch read as %+v", b)
			}
			if diff := cmp.Diff(&status.State{NextRun: 1}, b.State); diff != "" {
				t.Errorf("State (-want +got):\n%s", diff)
			}
			if id := b.NewRunID(); id != "r1" {
				t.Errorf("first run id = %s, want r1", id)
			}
			edits := b.Edits()
			if len(edits) != 1 || edits[0].Path != status.StateFile {
				t.Fatalf("Edits = %v, want state.yaml only", edits)
			}
			want := "formatVersion: 2\nnextRun: 2\n"
			if got := string(edits[0].Data); got != want {
				t.Errorf("state.yaml = %q, want %q", got, want)
			}
		})
	}
}

// The cache hands out copies: a pass changing its slots must not change
// what the next pass reads from the same file.
func testCacheCopies(t *testing.T, r *repo, commit gitstore.Hash) {
	var cache status.Cache
	uncached := r.read(t, commit, nil)

	first := r.read(t, commit, &cache)  // parses
	second := r.read(t, commit, &cache) // from the cache
	for _, b := range []*status.Branch{first, second} {
		if diff := cmp.Diff(uncached.Slots, b.Slots, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("cached read (-uncached +cached):\n%s", diff)
		}
		if diff := cmp.Diff(uncached.Corrupt, b.Corrupt); diff != "" {
			t.Fatalf("cached read corrupt (-uncached +cached):\n%s", diff)
		}
	}

	mutate := func(s *status.Slot) {
		s.Current.Phase, s.Current.Results["approval"] = status.PhaseSucceeded, "pass"
		s.Queue[0].ID = "r99"
		s.Queue = append(s.Queue, &status.Run{ID: "r100"})
		s.Last.Results["evaluation"] = "fail"
		*s.Last.Score = 2
		*s.Deployed.Score, s.Deployed.Pin = 3, "image=carts:9"
		*s.Released.Score = 4
		s.Previous.Pin = "image=carts:8"
		s.Gate.Result = "fail"
		s.Superseded[0] = "changed"
	}
	want := uncached.Slots["production/carts"].Clone()
	mutate(first.Slots["production/carts"])
	if diff := cmp.Diff(want, second.Slots["production/carts"], cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("changing the first read changed the second (-want +got):\n%s", diff)
	}
	mutate(second.Slots["production/carts"])
	third := r.read(t, commit, &cache)
	if diff := cmp.Diff(want, third.Slots["production/carts"], cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("changing earlier reads changed the cached slot (-want +got):\n%s", diff)
	}
}

// A file that would read into something the loop cannot use is an error,
// so that Read lists it as corrupt instead of handing it on.
func TestParseErrors(t *testing.T) {
	slot := func(data []byte) error { _, err := status.ParseSlot(data); return err }
	problem := func(data []byte) error { _, err := status.ParseProblem(data); return err }
	state := func(data []byte) error { _, err := status.ParseState(data); return err }
	tests := []struct {
		name    string
		parse   func([]byte) error
		data    string
		wantErr string
	}{
		{"slot without a service", slot, "stage: dev\n", "stage and service are required"},
		{"slot with an empty queue entry", slot, "stage: dev\nservice: carts\nqueue:\n- id: r1\n- \n", "queue[1] is empty"},
		{"slot that is a list", slot, "- stage: dev\n", "cannot unmarshal !!seq"},
		{"problem with an empty action", problem, "id: p1\nactions: [~]\n", "actions[0] is empty"},
		{"problem with a bad date", problem, "id: p1\nopened: yesterday\n", `parsing time "yesterday"`},
		{"state with an empty deferred run", state, "nextRun: 3\ndeferred:\n  staging/carts: [null]\n", "deferred.staging/carts[0] is empty"},
		{"state from a newer ferry", state, "formatVersion: 3\n", "upgrade ferry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parse %q = %v, want an error containing %q", tt.data, err, tt.wantErr)
			}
		})
	}
}
