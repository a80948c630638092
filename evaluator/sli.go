package evaluator

import (
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// SLIFile is a Keptn sli.yaml: SLI names mapped to queries.
type SLIFile struct {
	SpecVersion string            `yaml:"spec_version" json:"spec_version"`
	Indicators  map[string]string `yaml:"indicators" json:"indicators"`
}

// ParseSLI parses and validates an SLI file.
func ParseSLI(file string, data []byte) (*SLIFile, *yamlfile.Doc) {
	var s SLIFile
	d := yamlfile.Decode(file, data, &s)
	if d.HasErrors() {
		return nil, d
	}
	if s.SpecVersion != "1.0" {
		if s.SpecVersion == "" {
			d.Warnf("", "no spec_version (want \"1.0\")")
		} else {
			d.Errorf("spec_version", "unsupported spec_version %q (want 1.0)", s.SpecVersion)
		}
	}
	if !d.Has("indicators") {
		d.Errorf("", "missing required field: indicators")
	}
	for name, q := range s.Indicators {
		if strings.TrimSpace(q) == "" {
			d.Errorf("indicators."+name, "sli %q has an empty query", name)
		}
	}
	if d.HasErrors() {
		return nil, d
	}
	return &s, d
}

// MergeSLIs layers SLI files, lowest first: project < service < stage.
// Later files win per SLI name. Nil files are skipped.
func MergeSLIs(files ...*SLIFile) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if f == nil {
			continue
		}
		for k, v := range f.Indicators {
			out[k] = v
		}
	}
	return out
}
