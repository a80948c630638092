package demo

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/remediator"
)

// TestAlertRules reads back the PrometheusRule that ferry commits as
// alerts.yaml: the demo evaluates exactly these rules.
func TestAlertRules(t *testing.T) {
	data, err := remediator.PrometheusRule("carts", "sockshop-production", "ferry-carts", []remediator.Rule{
		{
			Alert: "response_time_p95", Expr: "histogram_quantile(0.95, x) > 600", For: "1500ms",
			Labels: map[string]string{"service": "carts", "stage": "production"}, Annotations: map[string]string{"summary": "slow"},
		},
		{Alert: "error_rate", Expr: "rate(e[1m]) > 0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []promserver.AlertRule{
		{
			Name: "response_time_p95", Expr: "histogram_quantile(0.95, x) > 600", For: 1500 * time.Millisecond,
			Labels: map[string]string{"service": "carts", "stage": "production"}, Annotations: map[string]string{"summary": "slow"},
		},
		{Name: "error_rate", Expr: "rate(e[1m]) > 0.1"},
	}
	if diff := cmp.Diff(want, alertRules(data)); diff != "" {
		t.Errorf("alertRules (-want +got):\n%s", diff)
	}
	if got := alertRules([]byte("spec: [")); got != nil {
		t.Errorf("alertRules of a broken file = %v, want none", got)
	}
}
