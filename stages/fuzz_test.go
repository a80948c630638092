package stages_test

import (
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/corpus"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/stages"
)

// checkDiagnostics fails when a parser crashed into an unpositioned or
// contradictory result.
func checkDiagnostics(t *testing.T, file string, ok bool, diags yamlfile.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.File != file || d.Line < 1 || d.Column < 1 || d.Message == "" {
			t.Fatalf("bad diagnostic %+v", d)
		}
	}
	if ok == diags.HasErrors() {
		t.Fatalf("result and errors disagree: ok=%v\n%s", ok, diags.Error())
	}
}

func FuzzParseShipyard(f *testing.F) {
	for _, data := range corpus.Files(f, "shipyard") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, d := stages.ParseShipyard("shipyard.yaml", data)
		checkDiagnostics(t, "shipyard.yaml", s != nil, d.Diagnostics())
		if s == nil {
			return
		}
		for _, st := range s.Spec.Stages {
			for _, q := range st.Sequences {
				for _, next := range s.Shipyard().Next(st.Name, q.Name, "fail", map[string]string{"evaluation": "fail"}) {
					if s.Sequence(next.Stage, next.Sequence) == nil {
						t.Fatalf("Next named a missing sequence %v", next)
					}
				}
			}
		}
	})
}

func FuzzParseHold(f *testing.F) {
	f.Add([]byte("reason: freeze\nuntil: 2026-12-24T18:00:00Z\n"))
	f.Add([]byte("reason: x\nremediation: true\nby: ann\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, d := stages.ParseHold("hold.yaml", data)
		checkDiagnostics(t, "hold.yaml", h != nil, d.Diagnostics())
		if h != nil && strings.TrimSpace(h.Reason) == "" {
			t.Fatal("a hold without a reason was accepted")
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("settle: 10s\nstages:\n  production:\n    concurrency: latest\nremediation:\n  externalActions: [restart]\n"))
	f.Add([]byte("stageBranchPrefix: env/\nalerts: {serviceLabel: app}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, d := stages.ParseConfig("ferry.yaml", data)
		checkDiagnostics(t, "ferry.yaml", c != nil, d.Diagnostics())
		if c != nil && c.SettleTime() <= 0 {
			t.Fatal("accepted config has no positive settle time")
		}
	})
}

func FuzzParsePin(f *testing.F) {
	f.Add([]byte("image: carts:0.11.2\n"))
	f.Add([]byte("image:\n  repository: carts\n  tag: 0.11.2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, d := stages.ParsePin("pin.yaml", data)
		checkDiagnostics(t, "pin.yaml", p != nil, d.Diagnostics())
		_ = p.Summary()
	})
}
