package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/stages"
)

// pinUpdateAttempts bounds the fetch-and-push rounds of one "ferry pin":
// more than gitstore's default, so that a few dozen CI jobs pinning at
// the same moment all land (see docs/gitstore.md).
const pinUpdateAttempts = 40

// Defaults of --wait.
const (
	defaultPinTimeout = 30 * time.Minute
	defaultPinPoll    = 5 * time.Second
)

// pinFlags are the flags of ferry pin.
type pinFlags struct {
	repo     repoFlags
	out      *outputFlag
	message  string
	sequence string
	wait     string
	timeout  time.Duration
	poll     time.Duration
}

func newPin() *cobra.Command {
	var f pinFlags
	cmd := &cobra.Command{
		Use:   "pin SERVICE KEY=VALUE... [--repo URL] [-m MESSAGE] [--wait STAGE]",
		Short: "Commit a pin bump to main, and optionally wait for its release",
		Long: `Pin sets values in services/SERVICE/pin.yaml on main and commits the change:
the commit a CI job makes after it built an artifact. The file's other keys,
their order and its comments are kept. A dotted key sets a nested value
(image.tag=0.11.2 sets tag under image). A value replacing a string stays a
string; any other value is typed as YAML reads it (replicaCount=3 is a
number). A service without a pin.yaml gets one; a service without a
directory under services/ is an error listing the known ones. When every
value is already set, nothing is committed and pin exits 0.

The commit is pushed with the tip it was made on as the expected value. When
main moved meanwhile, pin fetches again, applies the values to the new tip
and pushes again (up to 40 rounds, with a random growing wait between them):
racing CI jobs never lose a bump and never force-push. The author and
committer are git's (git var GIT_AUTHOR_IDENT: GIT_AUTHOR_NAME and
GIT_AUTHOR_EMAIL, else user.name and user.email), else ferry. --sequence
adds the Ferry-Sequence trailer: the candidate starts that sequence instead
of the service's default, as with ferry trigger.

--wait STAGE then follows the candidate (the pin commit) on the ferry/status
branch, printing each step once as ferry run records it, until it is
released in STAGE (exit 0), or its run there failed, was rolled back, was
superseded by a later candidate, or it failed in an earlier stage with
nothing of it left to run (exit 1, with the gate's verdict table), or
--timeout passed (exit 1, saying what it waited for). With -o json the
steps are not printed; the commit and the outcome are (see docs/ci.md).

The repository is --repo, else $FERRY_REPO, else the origin remote of the
clone in the current directory; a token for HTTPS comes from
FERRY_GIT_TOKEN or --git-token-file.

Exit status: 0 pinned (and released in --wait's stage) or nothing to change,
1 unknown service, sequence or stage, a failed push, or a candidate that
failed, was rolled back or superseded, or a timeout; 2 usage error.`,
		Example: `  # CI after a build: bump the image of carts
  ferry pin carts image=carts:0.11.2

  # Nested values, a message, and wait for production
  ferry pin carts image.repository=registry.example.com/carts image.tag=0.11.2 \
    -m "carts 0.11.2 (build 418)" --wait production --timeout 45m

  # For scripts: the commit and the outcome as JSON
  ferry pin carts image=carts:0.11.2 --wait staging -o json | jq -r .outcome.result`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError("give at least one KEY=VALUE after the service, e.g. image=carts:0.11.2")
			}
			values := make([]stages.PinValue, 0, len(args)-1)
			for _, a := range args[1:] {
				v, err := stages.ParsePinValue(a)
				if err != nil {
					return usageError("%w", err)
				}
				values = append(values, v)
			}
			if f.poll <= 0 || f.timeout <= 0 {
				return usageError("--poll-interval and --timeout must be positive")
			}
			return pin(cmd, &f, args[0], values)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.message, "message", "m", "", "the commit message (default \"Pin SERVICE KEY=VALUE...\")")
	fs.StringVar(&f.sequence, "sequence", "", "the sequence the candidate starts (default: the service's)")
	fs.StringVar(&f.wait, "wait", "", "follow the candidate until it is released in this stage, or failed")
	fs.DurationVar(&f.timeout, "timeout", defaultPinTimeout, "how long --wait waits")
	fs.DurationVar(&f.poll, "poll-interval", defaultPinPoll, "how often --wait reads ferry/status")
	f.out = bindOutput(cmd, outputHuman, outputJSON)
	f.repo.bindReport(fs)
	f.repo.bindSigning(fs)
	return cmd
}

// pinResult is what -o json prints.
type pinResult struct {
	// Commit is the pin commit, or the commit that last changed the pin
	// file when the values were already set.
	Commit  string            `json:"commit"`
	Service string            `json:"service"`
	Values  map[string]string `json:"values"`
	// Changed is false when every value was already set.
	Changed bool        `json:"changed"`
	Outcome *pinOutcome `json:"outcome,omitempty"`
}

func pin(cmd *cobra.Command, f *pinFlags, svc string, values []stages.PinValue) error {
	ctx := cmd.Context()
	if err := f.repo.defaultURL(ctx); err != nil {
		return err
	}
	f.repo.opts.UpdateAttempts = pinUpdateAttempts
	s, cleanup, err := f.repo.openMirror(ctx)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer cleanup()
	res := pinResult{Service: svc, Values: map[string]string{}}
	for _, v := range values {
		res.Values[v.Key] = v.Value
	}
	commit, changed, err := commitPin(ctx, s, f, svc, values)
	if err != nil {
		return err
	}
	res.Commit, res.Changed = commit.String(), changed
	w := cmd.OutOrStdout()
	if !f.out.machine() {
		if err := printPinned(w, res); err != nil {
			return err
		}
	}
	if f.wait != "" {
		progress := w
		if f.out.machine() {
			progress = io.Discard
		}
		o, err := waitPin(ctx, s, f, svc, commit, progress)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		res.Outcome = o
	}
	if f.out.machine() {
		if err := printData(w, f.out.value, res); err != nil {
			return err
		}
	}
	if res.Outcome != nil && res.Outcome.Result != pinReleased {
		return &exitError{code: exitFailed}
	}
	return nil
}

func printPinned(w io.Writer, res pinResult) error {
	sha := gitstore.ShortSHA(res.Commit)
	if !res.Changed {
		_, err := fmt.Fprintf(w, "%s: %s already pins %s; nothing to commit\n", sha, res.Service, valuesText(res.Values))
		return err
	}
	_, err := fmt.Fprintf(w, "%s: pinned %s %s\n", sha, res.Service, valuesText(res.Values))
	return err
}

// valuesText is "k=v" pairs in key order.
func valuesText(values map[string]string) string {
	parts := make([]string, 0, len(values))
	for k, v := range values {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// commitPin commits the values to main by [gitstore.Store.Update]: on a
// main that moved, the edit is made again on the new tip. It returns the
// pin commit, or when nothing changed the commit that last changed the
// pin file.
func commitPin(ctx context.Context, s *gitstore.Store, f *pinFlags, svc string, values []stages.PinValue) (gitstore.Hash, bool, error) {
	file := stages.ServicesDir + "/" + svc + "/pin.yaml"
	message := f.message
	if message == "" {
		message = "Pin " + svc
		for _, v := range values {
			message += " " + v.String()
		}
	}
	author := gitAuthor(ctx)
	var commit gitstore.Hash
	var unchanged bool
	var userErr error // an error of the project or the values: no retry helps
	res, err := s.Update(ctx, func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		unchanged, commit = false, gitstore.Hash{}
		tip := snap.Get(s.MainRef())
		if tip.IsZero() {
			userErr = fmt.Errorf("%s has no branch %q", s.URL(), f.repo.ref)
			return userErr
		}
		if err := checkPin(s, tip, svc, f.sequence, f.wait); err != nil {
			userErr = err
			return err
		}
		old, err := s.ReadFile(tip, file)
		if err != nil && !gitstore.IsNotFound(err) {
			return err
		}
		data, changed, err := stages.EditPin(file, old, values)
		if err != nil {
			userErr = err
			return err
		}
		if !changed {
			unchanged = true
			return gitstore.ErrNoChange
		}
		if err := checkEditedPin(s, tip, file, data, svc); err != nil {
			userErr = err
			return err
		}
		commit, err = b.Commit(s.MainRef(), gitstore.CommitRequest{
			Message:   message,
			Trailers:  gitstore.FerryTrailers{Service: svc, Sequence: f.sequence}.Trailers(),
			Author:    author,
			Committer: author,
			Edits:     []gitstore.Edit{gitstore.Put(file, data)},
		})
		return err
	})
	switch {
	case userErr != nil:
		return gitstore.Hash{}, false, exitAs(userErr)
	case err != nil:
		return gitstore.Hash{}, false, &exitError{code: exitFailed, err: fmt.Errorf("pin %s: %w", svc, err)}
	case unchanged:
		last, err := s.Find(res.Snapshot.Get(s.MainRef()), gitstore.LogOptions{FirstParent: true, Path: file}, func(*gitstore.Commit) bool { return true })
		if err != nil {
			return gitstore.Hash{}, false, &exitError{code: exitFailed, err: fmt.Errorf("find the commit of %s: %w", file, err)}
		}
		return last.Hash, false, nil
	}
	return commit, true, nil
}

// exitAs returns err as an exit error of code 1, keeping one it already is.
func exitAs(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitFailed, err: err}
}

// checkPin loads the project at tip and checks the service, and the
// sequence and the stage of --wait when given.
func checkPin(s *gitstore.Store, tip gitstore.Hash, svc, seq, stage string) error {
	p, err := loadProjectAt(s, tip)
	if err != nil {
		return err
	}
	n := projectNames(p)
	if err := n.checkService(svc); err != nil {
		return err
	}
	if stage != "" {
		if err := n.checkStage(stage); err != nil {
			return err
		}
	}
	if seq != "" {
		_, _, err = p.StartSequence(svc, seq)
	}
	return err
}

// checkEditedPin loads the project at tip with the edited pin file, as
// ferry run will after the commit: an error of the file, or a service it
// leaves out, is the user's, named at the file's line.
func checkEditedPin(s *gitstore.Store, tip gitstore.Hash, file string, data []byte, svc string) error {
	files, err := stages.ReadProject(s.Reader, tip)
	if err != nil {
		return err
	}
	files[file] = data
	p, diags := stages.Load(files)
	var bad yamlfile.Diagnostics
	for _, d := range diags.Errors() {
		if d.File == file {
			bad = append(bad, d)
		}
	}
	switch {
	case len(bad) > 0:
		return fmt.Errorf("the edited %s is invalid, nothing committed:\n%w", file, bad)
	case p == nil:
		return fmt.Errorf("the project with the edited %s is invalid, nothing committed:\n%w", file, diags.Errors())
	case p.Invalid[svc] != nil:
		return fmt.Errorf("the edited %s leaves %s out of the project, nothing committed: %w", file, svc, p.Invalid[svc])
	}
	return nil
}
