package reconciler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// writeStatus commits the changed slots, problems and state, the consumed
// reports and the summaries in one commit on ferry/status.
func (p *pass) writeStatus(context.Context) error {
	st := p.st
	st.State.Error, st.State.Reason = "", ""
	if p.stall != nil {
		st.State.Error, st.State.Reason = p.stall.Error(), string(p.stall.Reason)
	}
	if p.in.main != nil {
		st.State.Stages = p.in.main.Shipyard.StageNames()
	}
	edits := st.Edits()
	for _, r := range st.Reports {
		if p.consumed[r.File] || p.in.now.Sub(r.Received) > status.ReportTTL {
			edits = append(edits, gitstore.Delete(r.File))
		}
	}
	if len(edits) == 0 && p.transitions == 0 {
		return nil
	}
	sum := status.Summarize(st, p.summaryInput())
	edits = append(edits,
		gitstore.Put(status.MarkdownFile, sum.Markdown()),
		gitstore.Put(status.JSONFile, sum.JSON()),
	)
	_, err := p.batch.Commit(p.statusRef, gitstore.CommitRequest{Message: p.statusMessage(), Edits: edits})
	if errors.Is(err, gitstore.ErrNoChange) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("commit %s: %w", p.statusRef, err)
	}
	return nil
}

func (p *pass) statusMessage() string {
	lines := make([]string, len(p.changes))
	for i, c := range p.changes {
		lines[i] = c.String()
	}
	return status.CommitMessage(p.transitions, lines)
}

// summaryInput is what the summary needs from main: stage order,
// services, holds in force, and the stall.
func (p *pass) summaryInput() status.Input {
	in := status.Input{
		Now: p.in.now, Main: p.in.mainTip.String(), Stall: p.stall,
		StagePrefix:    strings.TrimPrefix(p.store.StageRef(""), "refs/heads/"),
		ProposalPrefix: strings.TrimPrefix(p.store.FerryRef("proposals/"), "refs/heads/"),
	}
	proj := p.in.main
	if proj == nil {
		return in
	}
	in.Project, in.Stages, in.Services = proj.Name, proj.Shipyard.StageNames(), slices.Sorted(maps.Keys(proj.Services))
	in.Invalid = proj.Invalid
	in.StageHolds, in.ServiceHolds = map[string]*status.Hold{}, map[string]*status.Hold{}
	for _, h := range proj.HoldsInForce(p.in.now) {
		hold := &status.Hold{Reason: h.Reason, By: h.By, Until: h.UntilTime(), File: h.File, Remediation: h.Remediation}
		if hold.By == "" {
			hold.By = p.holdAuthor(h.File)
		}
		if h.Service == "" {
			in.StageHolds[h.Stage] = hold
		} else {
			in.ServiceHolds[status.SlotKey(h.Stage, h.Service)] = hold
		}
	}
	return in
}
