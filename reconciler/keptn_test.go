package reconciler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/importer"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/keptnrepo"
)

// TestKeptnTutorialDeliversCartsDBDirect moves Keptn's onboarding-carts
// upstream over with the importer and delivers carts-db as Keptn's
// tutorial did ("keptn trigger delivery --sequence=delivery-direct"):
// through every stage by delivery-direct, into <project>-<stage>.
func TestKeptnTutorialDeliversCartsDBDirect(t *testing.T) {
	ctx := context.Background()
	u, err := importer.Read(ctx, importer.ReadOptions{Store: gitstore.Options{URL: keptnrepo.New(t, keptnrepo.Layout{Archive: true})}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Import(u, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := gittest.Files{}
	for name, data := range res.Files {
		files[name] = gittest.Text(string(data))
	}
	files["ferry.yaml"] = gittest.Text(string(res.Files["ferry.yaml"]) + "settle: 5s\nservices:\n  carts-db:\n    sequence: delivery-direct\n")
	w := newWorldWith(t, func(dir string) { gittest.CommitFiles(t, dir, "main", "import the Keptn project", files) })
	w.settle(10 * time.Minute)

	for _, stage := range []string{"dev", "staging", "production"} {
		release := w.git("show", "stage/"+stage+":services/carts-db/release.yaml")
		if !strings.Contains(release, "sequence: delivery-direct") {
			t.Errorf("%s: carts-db was not released by delivery-direct:\n%s", stage, release)
		}
		manifests := w.git("show", "stage/"+stage+":services/carts-db/manifests.yaml")
		if !strings.Contains(manifests, "namespace: sockshop-"+stage) {
			t.Errorf("%s: carts-db is not placed in sockshop-%s:\n%s", stage, stage, manifests)
		}
	}
	// carts went by delivery: its test has no subscriber and no duration,
	// so it still waits in dev, and nothing of it reached production.
	if _, err := gittest.TryGit(w.dir, "show", "stage/production:services/carts/release.yaml"); err == nil {
		t.Error("carts reached production without its test")
	}
}
