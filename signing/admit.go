package signing

import (
	"fmt"
	"slices"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// MaxChain is how many first-parent commits [Verifier.Admit] walks from a
// candidate back to the stage's last released candidate.
const MaxChain = 1000

// noSigners is the verifier of a nil one, which keeps its cache.
var noSigners = &Verifier{}

// Reader reads raw commits and files; a [gitstore.Reader] is one.
type Reader interface {
	RawCommit(h gitstore.Hash) ([]byte, error)
	ReadFile(commit gitstore.Hash, p string) ([]byte, error)
}

var _ Reader = gitstore.Reader{}

// Admit decides whether run's candidate may go on in slot's stage. It is
// called at every task and checks again each time: the verdict recorded in
// run.Signer, on the ferry/status branch, is for people only.
//
// The stage is verified when ferry was told so ([Verifier.WithStages]), or
// when the ferry.yaml of the candidate, of main's tip (projects; nil ones
// are skipped) or of the slot's released candidate lists it: a commit
// that drops the stage from verify.stages takes effect once a signed
// commit that drops it has been released there.
//
// In a verified stage, every commit on the first-parent chain from the
// candidate back to the slot's released candidate (exclusive) must be
// signed by an allowed signer; the candidate alone when nothing was
// released yet. The walk reads at most [MaxChain] commits: a released
// candidate farther away, or not on the chain, stops the run. The
// candidate's signer is recorded in run.Signer.
//
// Admit returns "" when the run may go on, else why not, for the run's
// message. A nil Verifier allows no signer.
func (v *Verifier) Admit(r Reader, slot *status.Slot, run *status.Run, projects ...*stages.Project) string {
	if v == nil {
		v = noSigners
	}
	var released string
	if slot.Released != nil {
		released = slot.Released.Candidate
	}
	verified, msg := v.verifies(r, slot.Stage, released, projects)
	if msg != "" || !verified {
		return msg
	}
	who, bad, err := v.chain(r, run.Candidate, released)
	if err == nil {
		run.Signer = who.String()
		return ""
	}
	what := ""
	if bad != run.Candidate {
		what = fmt.Sprintf("commit %.12s on main before it: ", bad)
	} else if rej := AsRejection(err); rej != nil && rej.Signer != nil {
		run.Signer = rej.Signer.String()
	}
	msg = slot.Stage + " requires a candidate signed by an allowed signer: " + what + err.Error()
	if len(v.ssh) == 0 && len(v.pgp) == 0 {
		msg += " (ferry was given no allowed signers: --allowed-signers-file, --allowed-pgp-keys-file)"
	}
	return msg
}

// verifies reports whether stage is verified, or why that cannot be told.
func (v *Verifier) verifies(r Reader, stage, released string, projects []*stages.Project) (bool, string) {
	if slices.Contains(v.stages, stage) {
		return true, ""
	}
	for _, p := range projects {
		if p != nil && stages.VerifiesStage(stage, p.Config) {
			return true, ""
		}
	}
	if released == "" {
		return false, ""
	}
	listed, err := v.releasedStages(r, released)
	if err != nil {
		return false, stage + " may require signed candidates, but its released candidate's " + stages.ConfigFile + " cannot be read: " + err.Error()
	}
	return slices.Contains(listed, stage), ""
}

// releasedStages reads verify.stages of the ferry.yaml at commit.
func (v *Verifier) releasedStages(r Reader, commit string) ([]string, error) {
	if listed, ok := v.cache.stages(commit); ok {
		return listed, nil
	}
	data, err := r.ReadFile(gitstore.NewHash(commit), stages.ConfigFile)
	if err != nil && !gitstore.IsNotFound(err) {
		return nil, err
	}
	var listed []string
	if err == nil {
		if c, _ := stages.ParseConfig(stages.ConfigFile, data); c != nil {
			listed = c.Verify.Stages
		}
	}
	v.cache.putStages(commit, listed)
	return listed, nil
}

// chain checks the candidate and the first-parent commits before it, up
// to since (exclusive; "" or the candidate itself checks the candidate
// alone). It returns the
// candidate's signer, or the first commit that fails, from the candidate
// back, and why.
func (v *Verifier) chain(r Reader, candidate, since string) (Signer, string, error) {
	if since == candidate {
		since = ""
	}
	h := candidate
	var who Signer
	for n := 0; ; n++ {
		if n == MaxChain {
			return Signer{}, candidate, fmt.Errorf("the stage's released candidate %.12s is not within %d first-parent commits of the candidate", since, MaxChain)
		}
		signer, parent, err := v.commit(r, h)
		if err != nil {
			return Signer{}, h, err
		}
		if h == candidate {
			who = signer
		}
		if since == "" || parent == since {
			return who, "", nil
		}
		if parent == "" {
			return Signer{}, candidate, fmt.Errorf("the stage's released candidate %.12s is not an ancestor of the candidate on main's first-parent history", since)
		}
		h = parent
	}
}

// commit verifies the commit h and returns its first parent.
func (v *Verifier) commit(r Reader, h string) (Signer, string, error) {
	if e, ok := v.cache.verdict(h); ok {
		return e.who, e.parent, e.err
	}
	raw, err := r.RawCommit(gitstore.NewHash(h))
	if err != nil {
		return Signer{}, "", err
	}
	who, err := v.Verify(raw)
	e := verdict{who: who, parent: firstParent(raw), err: err}
	v.cache.putVerdict(h, e)
	return e.who, e.parent, e.err
}
