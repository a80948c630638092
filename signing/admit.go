package signing

import (
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// Reader reads raw commits; a [gitstore.Reader] is one.
type Reader interface {
	RawCommit(h gitstore.Hash) ([]byte, error)
}

var _ Reader = gitstore.Reader{}

// Admit decides whether run's candidate may start its sequence in stage.
// It returns "" when it may: the stage requires no signature by the
// projects' ferry.yaml (the candidate's and main's; nil ones are skipped),
// or the candidate is signed by an allowed signer, who is recorded in
// run.Signer. Otherwise it returns why not, for the run's message, and
// records the key that signed, if any. A nil Verifier allows no signer.
// It decides once, at the run's first task.
func (v *Verifier) Admit(r Reader, stage string, run *status.Run, projects ...*stages.Project) string {
	if run.Task != 0 || run.Signer != "" {
		return ""
	}
	var configs []*stages.Config
	for _, p := range projects {
		if p != nil {
			configs = append(configs, p.Config)
		}
	}
	if !stages.VerifiesStage(stage, configs...) {
		return ""
	}
	raw, err := r.RawCommit(gitstore.NewHash(run.Candidate))
	if err != nil {
		return "the candidate is not delivered to " + stage + ": " + err.Error()
	}
	if v == nil {
		v = &Verifier{}
	}
	who, err := v.Verify(raw)
	if err == nil {
		run.Signer = who.String()
		return ""
	}
	if rej := AsRejection(err); rej != nil && rej.Signer != nil {
		run.Signer = rej.Signer.String()
	}
	msg := stage + " requires a candidate signed by an allowed signer: " + err.Error()
	if len(v.ssh) == 0 && len(v.pgp) == 0 {
		msg += " (ferry was given no allowed signers: --allowed-signers-file, --allowed-pgp-keys-file)"
	}
	return msg
}
