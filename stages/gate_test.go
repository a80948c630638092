package stages_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

func TestGateRequest(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	const stagingSLO = "services/carts/stages/staging/slo.yaml"
	files[stagingSLO] = []byte(strings.Replace(string(files[stagingSLO]), "filter:\n", "filter:\n  handler: addToCart\n", 1))
	p := loadProject(t, files)
	w := evaluator.Window{Start: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 21, 12, 10, 0, 0, time.UTC)}
	tests := []struct {
		name, svc, stage string
		want             evaluator.Placeholders
		slo              string // the SLO file expected, "" for none
		queries          map[string]string
		err              string
	}{
		{
			name: "the stage's SLO, blue-green", svc: "carts", stage: "staging",
			want: evaluator.Placeholders{
				Project: "shipyard-sockshop", Stage: "staging", Service: "carts", Deployment: "primary", Window: w,
				Filter: map[string]string{"handler": "addToCart"},
			},
			slo: stagingSLO,
			queries: map[string]string{
				"throughput":        `sum(rate(http_requests_total{job="carts-shipyard-sockshop-staging"}[600s]))`,
				"response_time_p95": `histogram_quantile(0.95, sum by(le) (rate(http_response_time_milliseconds_bucket{handler="ItemsController.addToCart",job="carts-shipyard-sockshop-staging-primary"}[600s])))`,
			},
		},
		{
			name: "no SLO: placeholders only", svc: "carts", stage: "dev",
			want: evaluator.Placeholders{Project: "shipyard-sockshop", Stage: "dev", Service: "carts", Deployment: "direct", Window: w},
		},
		{name: "unknown service", svc: "orders", stage: "dev", err: `gate of "orders" in "dev": no service "orders" in the project (services: carts, carts-db)`},
		{name: "unknown stage", svc: "carts", stage: "qa", err: `gate of "carts" in "qa": no stage "qa" in shipyard.yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, hasSLO, err := p.GateRequest(tt.svc, tt.stage, w, "c0ffee")
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, req.Placeholders); diff != "" {
				t.Errorf("placeholders (-want +got):\n%s", diff)
			}
			if hasSLO != (tt.slo != "") {
				t.Fatalf("hasSLO = %t", hasSLO)
			}
			if req.History != nil {
				t.Errorf("history is the caller's, got %v", req.History)
			}
			if !hasSLO {
				if req.SLO != nil || req.SLOSource != (evaluator.SLOSource{}) || req.Indicators != nil {
					t.Errorf("a gate without SLO has %+v", req)
				}
				return
			}
			slo, _ := p.SLO(tt.svc, tt.stage)
			wantSource := evaluator.SLOSource{File: tt.slo, Commit: "c0ffee", Content: string(files[tt.slo])}
			if req.SLO != slo || req.SLOSource != wantSource {
				t.Errorf("SLO %p from %+v, want %p from %+v", req.SLO, req.SLOSource, slo, wantSource)
			}
			for name, want := range tt.queries {
				if got, err := req.Substitute(req.Indicators[name]); err != nil || got != want {
					t.Errorf("query %s = %s (%v), want %s", name, got, err, want)
				}
			}
		})
	}
}
