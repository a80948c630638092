package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// proposalsDir is where proposal branches live below ferry's branch
// prefix: ferry/proposals/<stage>/<service>.
const proposalsDir = "proposals/"

// proposal is a promotion waiting for a person's approval.
type proposal struct {
	Stage     string `json:"stage"`
	Service   string `json:"service"`
	Candidate string `json:"candidate"`
	Pin       string `json:"pin,omitempty"`
	Run       string `json:"run,omitempty"`
	Branch    string `json:"branch"`
	// PullRequest is the pull request's URL, PullRequestNumber its number,
	// when ferry opened one.
	PullRequest       string    `json:"pullRequest,omitempty"`
	PullRequestNumber int       `json:"pullRequestNumber,omitempty"`
	Since             time.Time `json:"since"`

	ref, base string
	tip       gitstore.Hash
}

// bindForge binds the flags that name a forge; usage is --forge's help.
func bindForge(fs *pflag.FlagSet, o *forge.Options, usage string) {
	fs.StringVar(&o.Kind, "forge", "", usage)
	fs.StringVar(&o.API, "forge-api", "", "the forge's API URL (https://api.github.com, https://gitlab.example.com/api/v4, https://gitea.example.com/api/v1)")
	fs.StringVar(&o.Repo, "forge-repo", "", "the repository on the forge, owner/name")
	fs.StringVar(&o.TokenFile, "forge-token-file", "", "file holding the forge API token")
}

func newProposals() *cobra.Command {
	var repo repoFlags
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "List the promotions waiting for approval",
		Long: `Proposals lists the proposal branches (ferry/proposals/<stage>/<service>):
the promotions that wait for a person to merge them into their stage branch
(ferry approve) or to reject them (ferry reject). Each shows the candidate
and its pins, the pull request when ferry opened one, and since when it
waits, read from the branch's commit and from ferry/status.

Exit status: 0 listed (also when nothing waits), 1 the repository cannot be
read, 2 usage error.`,
		Example: `  ferry proposals
  ferry proposals -o json --repo https://git.example.com/shop/delivery.git`,
		Args: cobra.NoArgs,
	}
	out := bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, snap, cleanup, err := repo.fetchReport(cmd.Context())
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		defer cleanup()
		ps, err := listProposals(s, snap)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		if out.machine() {
			if ps == nil {
				ps = []*proposal{}
			}
			return printData(cmd.OutOrStdout(), out.value, ps)
		}
		return printProposals(cmd.OutOrStdout(), ps)
	}
	repo.bindReport(cmd.Flags())
	return cmd
}

// listProposals reads every proposal branch, sorted by stage and service.
func listProposals(s *gitstore.Store, snap gitstore.Snapshot) ([]*proposal, error) {
	prefix := s.FerryRef(proposalsDir)
	var st *status.Branch
	if tip := snap.Get(s.FerryRef("status")); !tip.IsZero() {
		b, err := status.Read(s.Reader, tip, nil)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", strings.TrimPrefix(s.FerryRef("status"), "refs/heads/"), err)
		}
		st = b
	}
	var out []*proposal
	refs := snap.Names(prefix)
	slices.Sort(refs)
	for _, ref := range refs {
		stage, svc, ok := strings.Cut(strings.TrimPrefix(ref, prefix), "/")
		if !ok || strings.Contains(svc, "/") {
			continue
		}
		p, err := readProposal(s, snap, st, stage, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// readProposal reads the proposal of svc in stage: its commit's trailers,
// and the waiting run on ferry/status (st may be nil).
func readProposal(s *gitstore.Store, snap gitstore.Snapshot, st *status.Branch, stage, svc string) (*proposal, error) {
	ref := s.FerryRef(proposalsDir + stage + "/" + svc)
	tip := snap.Get(ref)
	if tip.IsZero() {
		return nil, fmt.Errorf("no proposal waits for %s in %s (no branch %s)", svc, stage, strings.TrimPrefix(ref, "refs/heads/"))
	}
	c, err := s.Commit(tip)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", strings.TrimPrefix(ref, "refs/heads/"), err)
	}
	t := c.Trailers.Ferry()
	p := &proposal{
		Stage: stage, Service: svc, Candidate: t.Candidate, Run: t.Run, Since: c.Committer.When.UTC(),
		Branch: strings.TrimPrefix(ref, "refs/heads/"), ref: ref, base: s.StageRef(stage), tip: tip,
	}
	if st == nil {
		return p, nil
	}
	if slot := st.Slots[status.SlotKey(stage, svc)]; slot != nil && slot.Current != nil && slot.Current.Waiting == status.WaitApproval {
		r := slot.Current
		p.Candidate, p.Run, p.Pin = r.Candidate, r.ID, r.Pin
		p.PullRequest, p.PullRequestNumber = r.PullRequestURL, r.PullRequest
		if !r.TaskStarted.IsZero() {
			p.Since = r.TaskStarted.UTC()
		}
	}
	return p, nil
}

func printProposals(w io.Writer, ps []*proposal) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "No proposal waits for approval.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "STAGE\tSERVICE\tCANDIDATE\tPIN\tBRANCH\tPULL REQUEST\tSINCE")
	for _, p := range ps {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Stage, p.Service, dash(gitstore.ShortSHA(p.Candidate)),
			dash(p.Pin), p.Branch, dash(p.PullRequest), p.Since.Format(time.RFC3339))
	}
	return tw.Flush()
}
