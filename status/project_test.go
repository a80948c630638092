package status_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/status"
)

func TestProjectStages(t *testing.T) {
	since := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   *status.Summary
		want []v1alpha1.StageSummary
	}{{
		name: "nil",
	}, {
		name: "no stages",
		in:   &status.Summary{FormatVersion: status.FormatVersion},
	}, {
		name: "deployed and in flight",
		in: &status.Summary{Stages: []status.StageSummary{{
			Name: "dev",
			Services: []status.ServiceSummary{{
				Name:     "carts",
				Deployed: &status.DeployedSummary{Pin: "image.tag=0.13.2", Candidate: "c-0a1b2c3", Since: since, Released: true},
				InFlight: &status.InFlight{
					Run: "r-2", Candidate: "c-4d5e6f7", Sequence: "delivery", Task: "evaluation",
					Phase: status.PhaseRunning, WaitingFor: "the evaluation window to end", Since: since,
				},
				Queued: 1,
			}, {
				Name: "orders",
			}},
		}, {
			Name:     "prod",
			Hold:     &status.Hold{Reason: "freeze", File: "holds/prod.yaml"},
			Services: []status.ServiceSummary{{Name: "carts"}, {Name: "orders"}},
		}}},
		want: []v1alpha1.StageSummary{{
			Name: "dev",
			Services: []v1alpha1.ServiceSummary{{
				Name: "carts", Deployed: "image.tag=0.13.2", Candidate: "c-0a1b2c3",
				InFlight: &v1alpha1.InFlightRun{Run: "r-2", Task: "evaluation", WaitingFor: "the evaluation window to end"},
			}, {
				Name: "orders",
			}},
		}, {
			Name:     "prod",
			Services: []v1alpha1.ServiceSummary{{Name: "carts"}, {Name: "orders"}},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.in.ProjectStages()); diff != "" {
				t.Errorf("ProjectStages (-want +got):\n%s", diff)
			}
		})
	}
}
