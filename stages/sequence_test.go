package stages_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

func TestStartSequence(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["ferry.yaml"] = []byte("services:\n  carts-db:\n    sequence: delivery-direct\n")
	p := loadProject(t, files)
	tests := []struct {
		svc, trailer string
		stage, seq   string
		err          string
	}{
		{svc: "carts", stage: "dev", seq: "delivery"},
		{svc: "carts-db", stage: "dev", seq: "delivery-direct"},
		{svc: "carts-db", trailer: "delivery", stage: "dev", seq: "delivery"},
		{svc: "carts", trailer: "delivery-direct", stage: "dev", seq: "delivery-direct"},
		{svc: "carts", trailer: "rollback", stage: "staging", seq: "rollback"},
		{svc: "carts", trailer: "remediation", stage: "production", seq: "remediation"},
		{svc: "carts", trailer: "nope", err: `no sequence "nope" in shipyard.yaml (sequences: delivery, delivery-direct, rollback, remediation)`},
	}
	for _, tt := range tests {
		t.Run(tt.svc+"/"+tt.trailer, func(t *testing.T) {
			stage, seq, err := p.StartSequence(tt.svc, tt.trailer)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff([]string{tt.stage, tt.seq, tt.err}, []string{stage, seq, got}); diff != "" {
				t.Errorf("StartSequence(%q, %q) (-want +got):\n%s", tt.svc, tt.trailer, diff)
			}
		})
	}
}

func TestServiceSequencesAreChecked(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["ferry.yaml"] = []byte("services:\n  carts:\n    sequence: delivery-direkt\n  orders:\n    sequence: delivery\n")
	p, diags := stages.Load(files)
	if p != nil {
		t.Fatal("Load returned a project despite an unknown sequence")
	}
	var got []string
	for _, d := range diags {
		if strings.HasPrefix(d.File, "ferry.yaml") {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`ferry.yaml:3:15: services.carts.sequence: no sequence "delivery-direkt" in shipyard.yaml (sequences: delivery, delivery-direct, rollback, remediation)`,
		`ferry.yaml:5:5: warning: services.orders: no service "orders" below services/; the entry has no effect`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
