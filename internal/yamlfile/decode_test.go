package yamlfile_test

import (
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

type inner struct {
	Name  string         `yaml:"name"`
	Count int            `yaml:"count"`
	On    bool           `yaml:"on"`
	Props map[string]any `yaml:"props"`
}

type outer struct {
	Version string            `yaml:"version"`
	Items   []*inner          `yaml:"items"`
	Labels  map[string]string `yaml:"labels"`
	Ratio   float64           `yaml:"ratio"`
}

func TestDecodeReportsEveryProblemWithPosition(t *testing.T) {
	src := `version: 1.0
items:
  - name: a
    cont: 3
    count: many
  - null
  - name: b
    name: c
    on: yes
labels:
  x: [1]
ratio: high
extra: 1
`
	var v outer
	d := yamlfile.Decode("f.yaml", []byte(src), &v)
	want := []string{
		`f.yaml:4:5: items[0]: unknown field "cont" (did you mean "count"?)`,
		`f.yaml:5:12: items[0].count: want a whole number, got "many"`,
		`f.yaml:8:5: items[2]: duplicate key "name" (first at line 7)`,
		`f.yaml:9:9: items[2].on: want true or false, got "yes"`,
		`f.yaml:11:6: labels.x: want a string, got a list`,
		`f.yaml:12:8: ratio: want a number, got "high"`,
		`f.yaml:13:1: unknown field "extra" (known: items, labels, ratio, version)`,
	}
	got := d.Diagnostics()
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(want), got.Error())
	}
	for i := range want {
		if got[i].Error() != want[i] {
			t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got[i].Error(), want[i])
		}
	}
}

func TestDecodeValid(t *testing.T) {
	src := "version: 1.0\nitems:\n  - name: a\n    count: 2\n    on: true\n    props: {x: [1, 2]}\n  - null\nratio: 3\n"
	var v outer
	d := yamlfile.Decode("f.yaml", []byte(src), &v)
	if d.HasErrors() {
		t.Fatal(d.Diagnostics().Error())
	}
	if v.Version != "1.0" || len(v.Items) != 2 || v.Items[1] != nil || v.Items[0].Count != 2 || v.Ratio != 3 {
		t.Errorf("decoded %+v", v)
	}
	if p := d.Pos("items[0].props.x[1]"); p.Line != 6 || p.Column != 20 {
		t.Errorf("Pos(items[0].props.x[1]) = %+v, want 6:20", p)
	}
	if p := d.Pos("items[0].missing.deeper"); p.Line != 3 {
		t.Errorf("Pos falls back to the nearest ancestor: %+v", p)
	}
}

func TestDecodeSyntaxAndShape(t *testing.T) {
	tests := map[string]string{
		"":                     "f.yaml:1:1: file is empty",
		"# only a comment\n":   "f.yaml:1:1: file is empty",
		"a: b: c\n":            "f.yaml:1:1: invalid YAML: mapping values are not allowed in this context",
		"version: 1\n---\nx\n": "f.yaml:2:1: a second YAML document; the file must hold one",
		"- a\n- b\n":           "f.yaml:1:1: want a mapping, got a list",
	}
	for src, want := range tests {
		var v outer
		got := yamlfile.Decode("f.yaml", []byte(src), &v).Diagnostics().Error()
		if got != want {
			t.Errorf("Decode(%q) = %q, want %q", src, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("version: 1\nitems:\n - name: a\n")
	f.Add("a: &x {b: *x}\n")
	f.Fuzz(func(t *testing.T, src string) {
		var v outer
		d := yamlfile.Decode("f.yaml", []byte(src), &v)
		for _, diag := range d.Diagnostics() {
			if diag.Line < 1 || diag.Column < 1 || !strings.HasPrefix(diag.Error(), "f.yaml:") {
				t.Fatalf("bad diagnostic %+v", diag)
			}
		}
	})
}
