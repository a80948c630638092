package yamlfile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// bomb returns a "billion laughs" document: levels anchors, each a list of
// width aliases of the one before, as the value of key.
func bomb(key string, levels, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n  l0: &l0 [%s]\n", key, strings.TrimSuffix(strings.Repeat(`"lol",`, width), ","))
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), width), ","))
	}
	return b.String()
}

func TestDecodeRejectsAliasBomb(t *testing.T) {
	src := bomb("x", 6, 10) // 10^6 nodes once expanded
	var v map[string]any
	got := yamlfile.Decode("values.yaml", []byte(src), &v).Diagnostics().Error()
	// l3 expands to 11111 nodes: its aliases in l1 to l3 add 12330, and
	// the eighth alias of it in l4 crosses the budget.
	want := "values.yaml:6:40: x.l4[7]: too many aliases: expanding *l3 here would make aliases add more than 100000 nodes to the document"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if v != nil {
		t.Errorf("the value was decoded: %d keys", len(v))
	}
}

func TestDecodeRejectsAliasBombWithoutExpandingIt(t *testing.T) {
	src := bomb("x", 9, 9) // 9^9 nodes once expanded
	allocs := testing.AllocsPerRun(1, func() {
		var v map[string]any
		if d := yamlfile.Decode("values.yaml", []byte(src), &v); !d.HasErrors() {
			t.Fatal("the bomb was accepted")
		}
	})
	// Parsing the ~1 KB document takes a few hundred allocations;
	// expanding it would take billions.
	if allocs > 10_000 {
		t.Errorf("%v allocations to reject a %d-byte document", allocs, len(src))
	}
}

func TestDecodeRejectsAliasCycle(t *testing.T) {
	var v map[string]any
	got := yamlfile.Decode("values.yaml", []byte("a: &x {b: *x}\n"), &v).Diagnostics().Error()
	want := "values.yaml:1:11: a.b: alias *x refers to a value that contains it"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeAcceptsSomeAliases(t *testing.T) {
	src := `defaults: &res
  cpu: 100m
  memory: [1, 2]
api:
  resources: *res
worker:
  <<: *res
  cpu: 200m
`
	var v map[string]any
	d := yamlfile.Decode("values.yaml", []byte(src), &v)
	if d.HasErrors() {
		t.Fatal(d.Diagnostics().Error())
	}
	got := fmt.Sprint(v)
	want := "map[api:map[resources:map[cpu:100m memory:[1 2]]] defaults:map[cpu:100m memory:[1 2]] worker:map[cpu:200m memory:[1 2]]]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p := d.Pos("api.resources"); p != (yamlfile.Pos{Line: 5, Column: 14}) {
		t.Errorf("Pos(api.resources) = %+v, want the alias at 5:14", p)
	}
}

func TestDecodeChecksAliasedValuesAgainstTheirType(t *testing.T) {
	src := "items:\n  - props: {x: &v [1]}\n    name: *v\n    count: *v\n  - name: *v\n"
	var v outer
	got := yamlfile.Decode("f.yaml", []byte(src), &v).Diagnostics().Error()
	// The value is checked once as a string, where the first alias is.
	want := "f.yaml:3:11: items[0].name: want a string, got a list\nf.yaml:4:12: items[0].count: want a whole number, got a list"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
