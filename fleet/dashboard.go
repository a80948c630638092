package fleet

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/forge"
)

// Dashboard is the fleet's read-only web UI over every project it runs,
// served by [Fleet.Handler] at every path no endpoint claims. Register
// its Close with the http.Server's RegisterOnShutdown so that a shutdown
// does not wait for the browsers' event streams.
func (f *Fleet) Dashboard() *dashboard.Server {
	f.dashOnce.Do(func() {
		f.dash = dashboard.New(dashboard.Options{Projects: f.dashboardProjects, Log: f.opts.Log.WithName("dashboard")})
	})
	return f.dash
}

// dashboardProjects are the projects the fleet runs, by key, each with
// the conditions the fleet observes where they correct status.json's, and
// its forge's links.
func (f *Fleet) dashboardProjects() []dashboard.Project {
	f.mu.Lock()
	out := make([]dashboard.Project, 0, len(f.members))
	for key, m := range f.members {
		links := forge.Links{}
		if fg := m.project.Spec.Forge; fg != nil {
			links = forge.WebLinks(forge.Options{Kind: string(fg.Kind), API: fg.API, Repo: fg.Repo})
		}
		out = append(out, dashboard.Project{
			Namespace: m.project.Namespace, Name: m.project.Name, Store: m.store,
			Conditions: func() []metav1.Condition {
				// A running loop that delivers knows nothing status.json
				// does not say: the dashboard reads those conditions itself.
				if !m.project.Spec.Suspend {
					if ok, why := m.loop.Ready(); ok || why == "" {
						return nil
					}
				}
				o, ok := f.Observe(key)
				if !ok {
					return nil
				}
				return o.Conditions()
			},
			CommitURL: links.Commit, PullURL: links.Pull,
		})
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b dashboard.Project) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}
