package reconciler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

// addService copies carts' chart and SLO into a second service.
func (w *world) addService(name, image string) {
	w.t.Helper()
	files := gittest.Files{"services/" + name + "/pin.yaml": gittest.Text("image: " + image + "\n")}
	for _, f := range strings.Split(w.git("ls-tree", "-r", "--name-only", "main", "services/carts/"), "\n") {
		if strings.HasSuffix(f, "pin.yaml") {
			continue
		}
		files["services/"+name+strings.TrimPrefix(f, "services/carts")] = gittest.Text(w.git("show", "main:"+f) + "\n")
	}
	gittest.CommitFiles(w.t, w.dir, "main", "add "+name, files)
}

func (w *world) serviceImage(stage, svc string) string {
	out, err := gittest.TryGit(w.dir, "show", "stage/"+stage+":services/"+svc+"/manifests.yaml")
	if err != nil {
		return ""
	}
	if m := imageLine.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

func (w *world) summary() *status.Summary {
	w.t.Helper()
	s, err := status.ParseSummary([]byte(w.git("show", "ferry/status:status.json")))
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// A run file on ferry/status that does not parse stalls only its (stage,
// service): the others keep delivering, the file is never rewritten, and
// deleting it by a commit resumes the service without losing the candidate.
func TestCorruptRunFileStallsOnlyItsService(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.addService("orders", "orders:1.0.0")
	w.settle(time.Hour)
	if img := w.serviceImage("production", "orders"); img != "orders:1.0.0" {
		t.Fatalf("orders in production: %q", img)
	}

	const junk = "current: [this is not a slot\n"
	gittest.CommitFiles(t, w.dir, "ferry/status", "edit by hand", gittest.Files{"runs/staging/carts.yaml": gittest.Text(junk)})
	gittest.CommitFiles(t, w.dir, "main", "bump both", gittest.Files{
		"services/carts/pin.yaml":  gittest.Text("image: carts:0.11.2\n"),
		"services/orders/pin.yaml": gittest.Text("image: orders:1.0.1\n"),
	})
	w.settle(time.Hour)

	if img := w.serviceImage("production", "orders"); img != "orders:1.0.1" {
		t.Errorf("orders in production: %q, want orders:1.0.1 while carts is stalled", img)
	}
	if img := w.serviceImage("dev", "carts"); img != "carts:0.11.2" {
		t.Errorf("carts in dev: %q: a corrupt staging file must not stop dev", img)
	}
	if img := w.image("staging"); img != "carts:0.11.1" {
		t.Errorf("carts in staging: %q, want it untouched while its run file is corrupt", img)
	}
	if got := w.git("show", "ferry/status:runs/staging/carts.yaml"); got+"\n" != junk {
		t.Errorf("the corrupt file was rewritten:\n%s", got)
	}
	ss, ok := w.summary().Service("staging", "carts")
	if !ok || len(ss.Conditions) < 2 || ss.Conditions[1].Type != "Stalled" || ss.Conditions[1].Reason != status.ReasonCorruptStatus ||
		!strings.Contains(ss.Conditions[1].Message, "runs/staging/carts.yaml") {
		t.Errorf("status.json does not show carts in staging stalled on its file: %+v", ss.Conditions)
	}
	if md := w.git("show", "ferry/status:STATUS.md"); !strings.Contains(md, "CorruptStatus") || !strings.Contains(md, "runs/staging/carts.yaml") {
		t.Errorf("STATUS.md does not say which file is corrupt:\n%s", md)
	}

	gittest.CommitFiles(t, w.dir, "ferry/status", "delete the broken run file", gittest.Files{"runs/staging/carts.yaml": nil})
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("carts in production after the repair: %q, want carts:0.11.2", img)
	}
	ss, _ = w.summary().Service("production", "carts")
	if ss.Deployed == nil || ss.Deployed.Pin != "image=carts:0.11.2" || ss.Conditions[0].Status != "True" {
		t.Errorf("status.json after the repair: %+v %+v", ss.Deployed, ss.Conditions)
	}
}
