package stages_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/stages"
)

// aliasBomb is a ~1 KB "billion laughs" document: nine anchors, each a
// list of nine aliases of the one before, 9^9 nodes once expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("image: carts:1\nlol:\n  l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 9), ","))
	}
	return b.String()
}

func TestLoadRejectsAliasBomb(t *testing.T) {
	for _, file := range []string{"services/carts/values.yaml", "services/carts/pin.yaml", "services/carts/stages/production/values.yaml"} {
		t.Run(file, func(t *testing.T) {
			files := loadTxtar(t, "sockshop.txtar")
			files[file] = []byte(aliasBomb())
			p, diags := stages.Load(files)
			if p != nil {
				t.Fatal("the project loaded")
			}
			want := file + ":8:12: lol.l5[0]: too many aliases: expanding *l4 here would make aliases add more than 100000 nodes to the document"
			if got := diags.Errors().Error(); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// wideMapping returns n top-level keys.
func wideMapping(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "KEY_%d: value-%d\n", i, i)
	}
	return b.String()
}

func TestLoadWideValues(t *testing.T) {
	const n = 20_000
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/values.yaml"] = []byte(wideMapping(n))
	files["services/carts/stages/production/values.yaml"] = []byte(wideMapping(n) + "KEY_7: again\n")
	_, diags := stages.Load(files)
	want := fmt.Sprintf(`services/carts/stages/production/values.yaml:%d:1: duplicate key "KEY_7" (first at line 8)`, n+1)
	if got := diags.Errors().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	delete(files, "services/carts/stages/production/values.yaml")
	p := loadProject(t, files)
	if got := p.Values("carts", "production", nil)["KEY_19999"]; got != "value-19999" {
		t.Errorf("KEY_19999 = %v", got)
	}
}

func TestDetectKindOfWideFile(t *testing.T) {
	data := []byte(wideMapping(20_000) + "indicators: {}\n")
	if got := stages.DetectKind("x.yaml", data); got != stages.KindSLI {
		t.Errorf("DetectKind = %q, want sli", got)
	}
	legacy := []byte(wideMapping(20_000) + "stages: []\n")
	got := stages.ValidateFile(stages.KindShipyard, "shipyard.yaml", legacy).Error()
	if !strings.Contains(got, "no apiVersion: this is a Keptn 0.1.x (legacy) shipyard") {
		t.Errorf("ValidateFile = %.200s", got)
	}
}
