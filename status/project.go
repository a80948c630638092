package status

import "github.com/ferrycd/ferry/api/v1alpha1"

// ProjectStages returns the per-stage summary a Project's status carries
// (package api/v1alpha1): per stage in order, per service the pin and
// candidate deployed and the run in flight with what it waits for. The
// conversion lives here so that the API package stays free of ferry's
// internals.
func (s *Summary) ProjectStages() []v1alpha1.StageSummary {
	if s == nil || len(s.Stages) == 0 {
		return nil
	}
	out := make([]v1alpha1.StageSummary, len(s.Stages))
	for i, st := range s.Stages {
		out[i].Name = st.Name
		for _, svc := range st.Services {
			ps := v1alpha1.ServiceSummary{Name: svc.Name}
			if d := svc.Deployed; d != nil {
				ps.Deployed, ps.Candidate = d.Pin, d.Candidate
			}
			if f := svc.InFlight; f != nil {
				ps.InFlight = &v1alpha1.InFlightRun{Run: f.Run, Task: f.Task, WaitingFor: f.WaitingFor}
			}
			out[i].Services = append(out[i].Services, ps)
		}
	}
	return out
}
