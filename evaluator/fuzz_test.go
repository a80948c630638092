package evaluator_test

import (
	"testing"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/corpus"
)

func FuzzParseSLO(f *testing.F) {
	for _, data := range corpus.Files(f, "slo") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		slo, d := evaluator.ParseSLO("slo.yaml", data)
		diags := d.Diagnostics()
		if (slo != nil) == diags.HasErrors() {
			t.Fatalf("result and errors disagree:\n%s", diags.Error())
		}
		if slo == nil {
			return
		}
		for _, o := range slo.Objectives {
			if o == nil || o.Weight < 1 {
				t.Fatalf("accepted SLO has objective %+v", o)
			}
			for _, b := range append(o.Pass, o.Warning...) {
				for _, c := range b.Criteria {
					if _, err := evaluator.ParseCriterion(c); err != nil {
						t.Fatalf("accepted SLO has a bad criterion: %v", err)
					}
				}
			}
		}
		if slo.Comparison == nil || slo.Comparison.NumberOfComparisonResults < 1 {
			t.Fatalf("accepted SLO without comparison defaults: %+v", slo.Comparison)
		}
	})
}

func FuzzParseSLI(f *testing.F) {
	for _, data := range corpus.Files(f, "sli") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, d := evaluator.ParseSLI("sli.yaml", data)
		diags := d.Diagnostics()
		if (s != nil) == diags.HasErrors() {
			t.Fatalf("result and errors disagree:\n%s", diags.Error())
		}
		for _, diag := range diags {
			if diag.Line < 1 || diag.Column < 1 {
				t.Fatalf("unpositioned diagnostic %+v", diag)
			}
		}
	})
}
