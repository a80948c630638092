package evaluator_test

import (
	"testing"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/corpus"
)

// TestCorpusSLOsNeverPassOnMissingData scores every valid SLO of the Keptn
// corpus with no values at all: only an SLO whose objectives are all
// informational may pass.
func TestCorpusSLOsNeverPassOnMissingData(t *testing.T) {
	scored := 0
	for name, data := range corpus.Files(t, "slo") {
		slo, _ := evaluator.ParseSLO(name, data)
		if slo == nil || len(slo.Objectives) == 0 {
			continue
		}
		scored++
		informational := true
		for _, o := range slo.Objectives {
			if len(o.Pass) > 0 {
				informational = false
			}
		}
		r := evaluator.Score(slo, map[string]evaluator.Value{}, nil)
		if r.Result != evaluator.ResultFail && !informational {
			t.Errorf("%s: %s %v with no data", name, r.Result, r.Score)
		}
		for _, o := range r.Objectives {
			if o.Status == evaluator.ResultPass || o.Status == evaluator.ResultWarning {
				t.Errorf("%s: objective %s is %s with no data", name, o.SLI, o.Status)
			}
		}
	}
	if scored < 15 {
		t.Errorf("only %d corpus SLOs scored", scored)
	}
}
