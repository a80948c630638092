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
