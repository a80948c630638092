package stages_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

// TestProjectNameFromFerryYAML checks that ferry.yaml's project replaces
// the shipyard's name everywhere the project is named: $PROJECT in SLI
// queries, the stage namespaces and the generated alerts' labels.
func TestProjectNameFromFerryYAML(t *testing.T) {
	for _, tt := range []struct{ name, ferry, want string }{
		{"shipyard's name", "settle: 10s\n", "shipyard-sockshop"},
		{"ferry.yaml's project", "project: shop\nsettle: 10s\n", "shop"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := loadTxtar(t, "sockshop.txtar")
			files["ferry.yaml"] = []byte(tt.ferry)
			files["services/carts/stages/production/slo.yaml"] = files["services/carts/stages/staging/slo.yaml"]
			p := loadProject(t, files)
			req, _, err := p.GateRequest("carts", "staging", evaluator.Window{}, "")
			if err != nil {
				t.Fatal(err)
			}
			query, err := req.Substitute(req.Indicators["response_time_p95"])
			if err != nil {
				t.Fatal(err)
			}
			rules, err := p.AlertRules("carts", "production")
			if err != nil || len(rules) == 0 {
				t.Fatalf("alert rules: %v, %d rules", err, len(rules))
			}
			got := []string{p.Name, p.Namespace("production"), rules[0].Labels["project"], fmt.Sprint(strings.Contains(query, `job="carts-`+tt.want+`-staging-`))}
			want := []string{tt.want, tt.want + "-production", tt.want, "true"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("name, namespace, alert label (-want +got):\n%s\nquery: %s", diff, query)
			}
		})
	}
}
