package yamlfile_test

import (
	"testing"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// TestDecodeSyntaxErrorPositions pins where syntax errors are reported.
// yaml.v3 gives a line only, that of the problem or of the construct it
// was parsing; the parser's lines count from 0 and the scanner's from 1.
// An unknown alias is found in the text.
func TestDecodeSyntaxErrorPositions(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"scanner error", "a: 1\nb: 2\nc: d: e\n", "f.yaml:3:1: invalid YAML: mapping values are not allowed in this context"},
		{"tab", "a: 1\n\tb: 2\n", "f.yaml:2:1: invalid YAML: found a tab character that violates indentation"},
		{"unclosed quote", "a: 1\nb: \"x\nc: 3\n", "f.yaml:2:1: invalid YAML: found unexpected end of stream"},
		{"unclosed flow list", "a: 1\nb: [1, 2\nc: 3\n", "f.yaml:2:1: invalid YAML: did not find expected ',' or ']'"},
		{"dedented key", "a:\n  b: 1\n c: 2\n", "f.yaml:3:1: invalid YAML: did not find expected key"},
		{"key after list", "a: 1\nb:\n  - x\n  y: 2\n", "f.yaml:3:1: invalid YAML: did not find expected '-' indicator"},
		{"unknown alias", "a: 1\nb: [\"é\", *nope]\n", "f.yaml:2:10: invalid YAML: unknown anchor 'nope' referenced"},
	}
	for _, tt := range tests {
		var v map[string]any
		if got := yamlfile.Decode("f.yaml", []byte(tt.src), &v).Diagnostics().Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
