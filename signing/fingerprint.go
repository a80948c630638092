package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// Fingerprint identifies what v admits: its allowed SSH signers (keys,
// principals, namespaces and validity), its OpenPGP keys and the stages
// it verifies. Two verifiers with one fingerprint admit the same commits
// into the same stages; a nil verifier has the fingerprint of one that
// allows no signer.
func (v *Verifier) Fingerprint() string {
	if v == nil {
		v = noSigners
	}
	h := sha256.New()
	for _, s := range v.ssh {
		_, _ = fmt.Fprintf(h, "ssh %q %x %q %d %d\n", s.Principals, s.Key.Marshal(), s.Namespaces, s.ValidAfter.Unix(), s.ValidBefore.Unix())
	}
	for _, e := range v.pgp {
		if e.PrimaryKey != nil {
			_, _ = fmt.Fprintf(h, "pgp %x\n", e.PrimaryKey.Fingerprint)
		}
	}
	stages := slices.Clone(v.stages)
	slices.Sort(stages)
	_, _ = fmt.Fprintf(h, "stages %q\n", stages)
	return hex.EncodeToString(h.Sum(nil))
}
