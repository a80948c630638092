package yamlfile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// wide returns a values file of one mapping with n keys below "env".
func wide(n int) []byte {
	var b strings.Builder
	b.WriteString("env:\n")
	for i := range n {
		fmt.Fprintf(&b, "  KEY_%d: value-%d\n", i, i)
	}
	return []byte(b.String())
}

func TestDecodeWideMapping(t *testing.T) {
	const n = 50_000
	var v map[string]any
	d := yamlfile.Decode("values.yaml", wide(n), &v)
	if d.HasErrors() {
		t.Fatal(d.Diagnostics().Error())
	}
	env, _ := v["env"].(map[string]any)
	if len(env) != n || env["KEY_49999"] != "value-49999" {
		t.Errorf("decoded %d keys, KEY_49999=%v", len(env), env["KEY_49999"])
	}
	if p := d.Pos("env.KEY_49999"); p != (yamlfile.Pos{Line: n + 1, Column: 14}) {
		t.Errorf("Pos(env.KEY_49999) = %+v", p)
	}

	dup := append(wide(n), "  KEY_7: again\n"...)
	got := yamlfile.Decode("values.yaml", dup, &v).Diagnostics().Error()
	want := fmt.Sprintf(`values.yaml:%d:3: env: duplicate key "KEY_7" (first at line 9)`, n+2)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// BenchmarkDecodeWide shows that decoding is linear in the number of keys
// of a mapping (yaml.v3's own duplicate check compares every pair).
func BenchmarkDecodeWide(b *testing.B) {
	for _, n := range []int{10_000, 40_000} {
		data := wide(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				var v map[string]any
				if d := yamlfile.Decode("values.yaml", data, &v); d.HasErrors() {
					b.Fatal(d.Diagnostics().Error())
				}
			}
		})
	}
}

// FuzzDecodeAsYAML checks that a free-form file decodes as yaml.v3 decodes
// it, merge keys and aliases included.
func FuzzDecodeAsYAML(f *testing.F) {
	f.Add("a: 1\nb: [x, 2.5, null, true]\n")
	f.Add("d: &d {x: 1, y: [1]}\ne: {<<: *d, x: 2}\nf: {<<: [*d, {z: 3}]}\n")
	f.Add("1: a\n? [x]\n: b\n")
	f.Add("a: !!binary aGVsbG8=\nb: 2001-12-14t21:59:43.10-05:00\nc: 0x1F\n")
	f.Fuzz(func(t *testing.T, src string) {
		var got map[string]any
		if yamlfile.Decode("f.yaml", []byte(src), &got).HasErrors() {
			return
		}
		var want map[string]any
		if err := yaml.Unmarshal([]byte(src), &want); err != nil {
			t.Fatalf("yaml.v3 refuses what Decode accepts: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Decode differs from yaml.v3 (-yaml.v3 +Decode):\n%s", diff)
		}
	})
}
