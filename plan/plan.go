package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/stages/renderer"
)

// DefaultHistory is how many recorded evaluations per stage and service a
// what-if replays when Options.History is not set.
const DefaultHistory = 10

// maxMergeBaseWalk bounds the commits read to find the merge base.
const maxMergeBaseWalk = 10000

// Options tune a plan. History is how many recorded evaluations per stage
// and service are replayed (default 10).
type Options struct {
	History int
	// RenderLimits bound each render of a chart; the zero value means
	// renderer's defaults.
	RenderLimits renderer.Options
	// Now decides which holds are in force; default time.Now().
	Now time.Time
}

// Plan is what merging head into base will do.
type Plan struct {
	// Base and Head are the commits compared; MergeBase is the commit the
	// head is planned against: the base when the head descends from it,
	// else their nearest common ancestor.
	Base      string `json:"base" yaml:"base"`
	Head      string `json:"head" yaml:"head"`
	MergeBase string `json:"mergeBase" yaml:"mergeBase"`
	// MergeNotValidated is true when the head does not descend from the
	// base (main moved since the branch was made): the plan, validation
	// included, is of the head's own files, not of the merge result.
	MergeNotValidated bool `json:"mergeNotValidated,omitempty" yaml:"mergeNotValidated,omitempty"`
	// Diagnostics are every problem of the head's files, as ferry validate
	// reports them; an error among them makes the plan invalid.
	Diagnostics yamlfile.Diagnostics `json:"diagnostics" yaml:"diagnostics"`
	// BaseProblem says why the project at the merge base cannot be read,
	// when it cannot (then everything the head has counts as added).
	BaseProblem string `json:"baseProblem,omitempty" yaml:"baseProblem,omitempty"`
	// ChangedFiles are the paths that differ between merge base and head.
	ChangedFiles []string `json:"changedFiles" yaml:"changedFiles"`
	// Candidates are the candidates the change creates on main.
	Candidates []Candidate `json:"candidates" yaml:"candidates"`
	// Manifests are the changed renders, per stage and service.
	Manifests []ManifestChange `json:"manifests" yaml:"manifests"`
	// WhatIf replays recorded evaluations with the head's SLOs and SLIs,
	// per stage and service whose SLO or SLIs changed.
	WhatIf []WhatIf `json:"whatIf" yaml:"whatIf"`
	// Changes are the shipyard, ferry.yaml and hold changes, in words.
	Changes []string `json:"changes" yaml:"changes"`
}

// Valid reports whether the head validates: no error among Diagnostics.
func (p *Plan) Valid() bool { return !p.Diagnostics.HasErrors() }

// Compute plans the change from base to head (commits in s's mirror).
// statusTip is the tip of ferry/status (zero hash when there is none) —
// its ledger supplies the recorded evaluations.
func Compute(ctx context.Context, s *gitstore.Store, base, head, statusTip gitstore.Hash, opts Options) (*Plan, error) {
	if opts.History <= 0 {
		opts.History = DefaultHistory
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	rd := s.Reader
	from, err := MergeBase(rd, base, head)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Base: base.String(), Head: head.String(), MergeBase: from.String(),
		Diagnostics: yamlfile.Diagnostics{}, Candidates: []Candidate{}, Manifests: []ManifestChange{},
		WhatIf: []WhatIf{}, Changes: []string{},
		MergeNotValidated: !base.IsZero() && from != base,
	}
	if p.ChangedFiles, err = rd.ChangedPaths(from, head); err != nil {
		return nil, fmt.Errorf("compare %s with %s: %w", gitstore.ShortSHA(from.String()), gitstore.ShortSHA(head.String()), err)
	}
	if p.ChangedFiles == nil {
		p.ChangedFiles = []string{}
	}
	newProj, err := p.check(ctx, rd, head, opts)
	if err != nil || newProj == nil {
		return p, err
	}
	oldProj, why := loadBase(rd, from, opts)
	p.BaseProblem = why
	commit, err := rd.Commit(head)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", gitstore.ShortSHA(head.String()), err)
	}
	p.Candidates = candidates(newProj, p.ChangedFiles, commit.Trailers.Ferry(), opts.Now)
	if p.Manifests, err = manifests(ctx, oldProj, newProj, p.ChangedFiles); err != nil {
		return nil, err
	}
	p.WhatIf = whatIf(rd, statusTip, oldProj, newProj, opts.History)
	p.Changes = changes(oldProj, newProj, opts.Now)
	return p, nil
}

// check validates the head as ferry validate does and returns its project;
// nil when it does not validate (the diagnostics say why).
func (p *Plan) check(ctx context.Context, rd gitstore.Reader, head gitstore.Hash, opts Options) (*stages.Project, error) {
	files, err := stages.ReadProject(rd, head)
	var diags yamlfile.Diagnostics
	if errors.As(err, &diags) {
		p.Diagnostics = diags
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the project at %s: %w", gitstore.ShortSHA(head.String()), err)
	}
	var proj *stages.Project
	proj, diags = stages.Check(ctx, files, opts.RenderLimits)
	if diags != nil {
		p.Diagnostics = diags
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !p.Valid() {
		return nil, nil
	}
	return proj, nil
}

// loadBase loads the project at the merge base; nil with the reason when
// it cannot be read (a first commit of the project, or an invalid base).
func loadBase(rd gitstore.Reader, from gitstore.Hash, opts Options) (*stages.Project, string) {
	if from.IsZero() {
		return nil, ""
	}
	c := stages.NewCache(rd)
	c.RenderLimits = opts.RenderLimits
	proj, err := c.At(from)
	if err != nil {
		return nil, err.Error()
	}
	return proj, ""
}

// MergeBase returns the commit a change from base to head is planned
// against: base itself when head descends from it, else the first commit
// of head's history (breadth first) that base also reaches, as a forge
// diffs a pull request. A head or base commit missing from the mirror is
// an error naming it. A zero base, or histories without a common commit,
// give the zero hash: everything at head is new.
func MergeBase(rd gitstore.Reader, base, head gitstore.Hash) (gitstore.Hash, error) {
	if _, err := rd.Commit(head); err != nil {
		return gitstore.ZeroHash, fmt.Errorf("read the head commit %s: %w", head, err)
	}
	if base.IsZero() {
		return gitstore.ZeroHash, nil
	}
	if _, err := rd.Commit(base); err != nil {
		return gitstore.ZeroHash, fmt.Errorf("read the base commit %s: %w", base, err)
	}
	ofBase := map[gitstore.Hash]bool{}
	err := rd.Log(base, gitstore.LogOptions{Limit: maxMergeBaseWalk}, func(c *gitstore.Commit) error {
		ofBase[c.Hash] = true
		return nil
	})
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("read the history of %s: %w", gitstore.ShortSHA(base.String()), err)
	}
	if ofBase[head] {
		return head, nil
	}
	found, err := rd.Find(head, gitstore.LogOptions{Limit: maxMergeBaseWalk}, func(c *gitstore.Commit) bool { return ofBase[c.Hash] })
	switch {
	case gitstore.IsNotFound(err):
		return gitstore.ZeroHash, nil
	case err != nil:
		return gitstore.ZeroHash, fmt.Errorf("read the history of %s: %w", gitstore.ShortSHA(head.String()), err)
	}
	return found.Hash, nil
}
