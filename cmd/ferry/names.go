package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// names are the stages (in shipyard order) and services a repository
// knows, to check the names a user gives.
type names struct {
	stages, services []string
}

// checkStage returns an error naming the known stages unless stage is one.
func (n names) checkStage(stage string) error { return checkName("stage", stage, n.stages) }

// checkService returns an error naming the known services unless svc is one.
func (n names) checkService(svc string) error { return checkName("service", svc, n.services) }

func checkName(kind, name string, known []string) error {
	if slices.Contains(known, name) {
		return nil
	}
	list := "none"
	if len(known) > 0 {
		list = strings.Join(known, ", ")
	}
	return &exitError{code: exitFailed, err: fmt.Errorf("unknown %s %q; known: %s", kind, name, list)}
}

// projectNames are the names of a loaded project.
func projectNames(p *stages.Project) names {
	n := names{stages: p.Shipyard.StageNames()}
	for svc := range p.Services {
		n.services = append(n.services, svc)
	}
	slices.Sort(n.services)
	return n
}

// summaryNames are the names status.json lists.
func summaryNames(sum *status.Summary) names {
	return names{stages: sum.StageNames(), services: sum.ServiceNames()}
}

// repositoryNames are the names of a repository: from status.json on
// ferry/status when ferry has run, else the stage branches and the
// services/ folder on main.
func repositoryNames(s *gitstore.Store, snap gitstore.Snapshot) (names, error) {
	if tip := snap.Get(s.FerryRef("status")); !tip.IsZero() {
		data, err := s.ReadFile(tip, status.JSONFile)
		if err == nil {
			if sum, err := status.ParseSummary(data); err == nil {
				return summaryNames(sum), nil
			}
		}
	}
	var n names
	prefix := gitstore.BranchRef(s.Options().StagePrefix)
	for _, ref := range snap.Names(prefix) {
		n.stages = append(n.stages, strings.TrimPrefix(ref, prefix))
	}
	slices.Sort(n.stages)
	if main := snap.Get(s.MainRef()); !main.IsZero() {
		svcs, err := s.ListDir(main, stages.ServicesDir)
		if err != nil && !gitstore.IsNotFound(err) {
			return names{}, err
		}
		n.services = svcs
	}
	return n, nil
}
