package stages_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

func TestEditPin(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		set    []string
		want   string
		change bool
	}{
		{
			name: "comments and other keys kept",
			src: `# pins of carts, bumped by CI
image: carts:0.11.1 # the build
# scaled by remediation
replicaCount: 2
env:
  LOG: debug
`,
			set: []string{"image=carts:0.11.2"},
			want: `# pins of carts, bumped by CI
image: carts:0.11.2 # the build
# scaled by remediation
replicaCount: 2
env:
  LOG: debug
`,
			change: true,
		},
		{
			name:   "nested keys, existing and new",
			src:    "image:\n  repository: carts\n  tag: 0.11.1\n",
			set:    []string{"image.tag=0.11.2", "image.pullPolicy=Always", "sidecar.image.tag=1.0"},
			want:   "image:\n  repository: carts\n  tag: 0.11.2\n  pullPolicy: Always\nsidecar:\n  image:\n    tag: 1.0\n",
			change: true,
		},
		{
			name:   "a string stays a string, a number is typed",
			src:    "tag: \"1.10\"\nversion: v1\nreplicaCount: 1\n",
			set:    []string{"tag=1.20", "version=2", "replicaCount=3"},
			want:   "tag: \"1.20\"\nversion: \"2\"\nreplicaCount: 3\n",
			change: true,
		},
		{
			name:   "unchanged values change nothing",
			src:    "image: carts:0.11.1   # exact spacing kept\nreplicaCount: 2\n",
			set:    []string{"image=carts:0.11.1", "replicaCount=2"},
			want:   "image: carts:0.11.1   # exact spacing kept\nreplicaCount: 2\n",
			change: false,
		},
		{
			name:   "a new file",
			src:    "",
			set:    []string{"image=carts:0.11.2"},
			want:   "image: carts:0.11.2\n",
			change: true,
		},
		{
			name:   "values that need quotes",
			src:    "a: x\n",
			set:    []string{"a=b: c", "c=#1", "d="},
			want:   "a: 'b: c'\nc: '#1'\nd: \"\"\n",
			change: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := stages.EditPin("services/carts/pin.yaml", []byte(tt.src), pinValues(t, tt.set))
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.change {
				t.Errorf("changed = %v, want %v", changed, tt.change)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("pin.yaml (-want +got):\n%s", diff)
			}
			if _, d := stages.ParsePin("pin.yaml", got); d.HasErrors() {
				t.Errorf("the edited pin does not parse: %v", d.Diagnostics())
			}
		})
	}
}

func TestEditPinErrors(t *testing.T) {
	tests := []struct {
		src, set, want string
	}{
		{"image: carts:0.11.1\n", "image.tag=1", "set image.tag in services/carts/pin.yaml: line 1: image holds a value !!str, not a mapping"},
		{"image:\n  tag: 1\n", "image=carts", "set image in services/carts/pin.yaml: line 2: image holds a mapping, not a single value"},
		{"- a\n", "image=carts", "services/carts/pin.yaml:1:1: a pin file is a mapping of values, not a !!seq"},
		{"image: [\n", "image=carts", "parse services/carts/pin.yaml: yaml: line 1"},
		{"tag: &v \"1.0\"\nother: *v\n", "tag=2.0", "set tag in services/carts/pin.yaml: line 1: tag has the anchor &v, which aliases may use"},
		{"image: &img\n  tag: \"1.0\"\nsidecar: *img\n", "image.tag=2.0", "set image.tag in services/carts/pin.yaml: line 1: image has the anchor &img"},
		{"image: &img\n  tag: \"1.0\"\nsidecar: *img\n", "sidecar.tag=2.0", "set sidecar.tag in services/carts/pin.yaml: line 3: sidecar holds a alias, not a mapping"},
		{"image: carts:0.11.1\n---\nimage: orders:1\n", "image=carts:0.11.2", "services/carts/pin.yaml:3: a pin file is one YAML document"},
		{"---\nimage: carts:0.11.1\n---\n# a comment\nreplicaCount: 2\n", "image=carts:0.11.2", "services/carts/pin.yaml:5: a pin file is one YAML document"},
	}
	for _, tt := range tests {
		_, _, err := stages.EditPin("services/carts/pin.yaml", []byte(tt.src), pinValues(t, []string{tt.set}))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("EditPin(%q, %s) = %v, want %s", tt.src, tt.set, err, tt.want)
		}
	}
}

func TestParsePinValue(t *testing.T) {
	for _, bad := range []string{"image", "=x", ".a=x", "a.=x", "a..b=x"} {
		if _, err := stages.ParsePinValue(bad); err == nil {
			t.Errorf("ParsePinValue(%q) took it", bad)
		}
	}
	got, err := stages.ParsePinValue("image.tag=a=b")
	if err != nil || got != (stages.PinValue{Key: "image.tag", Value: "a=b"}) {
		t.Errorf("ParsePinValue(image.tag=a=b) = %+v, %v", got, err)
	}
}

func pinValues(tb testing.TB, set []string) []stages.PinValue {
	tb.Helper()
	var out []stages.PinValue
	for _, s := range set {
		v, err := stages.ParsePinValue(s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
