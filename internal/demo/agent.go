package demo

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
)

var (
	imageLine    = regexp.MustCompile(`image: "?([^"\s]+)"?`)
	replicasLine = regexp.MustCompile(`replicas: (\d+)`)
	cacheLine    = regexp.MustCompile(`name: ENABLE_ITEM_CACHE\s+value: "?(\w+)"?`)
)

// Agent is the stand-in sync agent: it applies each stage branch's carts
// manifests to that stage's workload, as Flux or Argo CD would apply them
// to a cluster, and reports each applied commit as they would.
type Agent struct {
	Store     *gitstore.Store
	Workloads map[string]*Workload
	// Report, when set, is told each stage commit the agent applied.
	Report  func(stage, commit string)
	applied map[string]string
}

// Sync applies every stage branch whose tip changed since the last call.
func (a *Agent) Sync(snap gitstore.Snapshot) {
	if a.applied == nil {
		a.applied = map[string]string{}
	}
	for stage, w := range a.Workloads {
		tip := snap.Get(a.Store.StageRef(stage))
		if tip.IsZero() || a.applied[stage] == tip.String() {
			continue
		}
		data, err := a.Store.ReadFile(tip, "services/carts/manifests.yaml")
		if err != nil {
			continue
		}
		version, replicas, cache := parseManifests(string(data))
		w.Apply(version, replicas, cache)
		a.applied[stage] = tip.String()
		if a.Report != nil {
			a.Report(stage, tip.String())
		}
	}
}

func parseManifests(m string) (version string, replicas int, cache bool) {
	if x := imageLine.FindStringSubmatch(m); x != nil {
		version = x[1]
		if i := strings.LastIndex(version, ":"); i >= 0 {
			version = version[i+1:]
		}
	}
	if x := replicasLine.FindStringSubmatch(m); x != nil {
		replicas, _ = strconv.Atoi(x[1])
	}
	if x := cacheLine.FindStringSubmatch(m); x != nil {
		cache = x[1] == "on"
	}
	return version, replicas, cache
}
