package remediator_test

import (
	"testing"

	"github.com/ferrycd/ferry/internal/corpus"
	"github.com/ferrycd/ferry/remediator"
)

func FuzzParseRemediation(f *testing.F) {
	for _, data := range corpus.Files(f, "remediation") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, d := remediator.ParseRemediation("remediation.yaml", data, nil)
		diags := d.Diagnostics()
		if (r != nil) == diags.HasErrors() {
			t.Fatalf("result and errors disagree:\n%s", diags.Error())
		}
		for _, diag := range diags {
			if diag.Line < 1 || diag.Column < 1 {
				t.Fatalf("unpositioned diagnostic %+v", diag)
			}
		}
		if r != nil {
			for _, a := range r.Actions("", "default") {
				if a == nil {
					t.Fatal("nil action returned")
				}
			}
		}
	})
}
