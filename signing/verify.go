package signing

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"golang.org/x/crypto/ssh"
)

// pgpConfig is the OpenPGP configuration of signing and verifying.
var pgpConfig = &packet.Config{DefaultHash: crypto.SHA256}

// Signer names who signed a commit.
type Signer struct {
	// Format is the kind of signature.
	Format Format `json:"format"`
	// Fingerprint identifies the key: SHA256:… for SSH keys (as
	// ssh-keygen -l shows them), the hexadecimal fingerprint of the
	// primary key for OpenPGP.
	Fingerprint string `json:"fingerprint"`
	// Principal is the signer's name: the principals of the allowed
	// signers line, or the OpenPGP key's first user id. Empty for a key
	// that is not allowed.
	Principal string `json:"principal,omitempty"`
}

// String names the signer for people: the principal and the key.
func (s Signer) String() string {
	if s.Principal == "" {
		return fmt.Sprintf("%s key %s", s.Format, s.Fingerprint)
	}
	return fmt.Sprintf("%s (%s key %s)", s.Principal, s.Format, s.Fingerprint)
}

// Why is the reason a signature does not count.
type Why string

// Reasons of a [Rejection].
const (
	// WhyUnsigned: the commit carries no signature.
	WhyUnsigned Why = "unsigned"
	// WhyBadSignature: the signature does not verify over the commit (it
	// was made for another commit, or is malformed).
	WhyBadSignature Why = "bad signature"
	// WhyNotAllowed: a good signature by a key the project does not allow.
	WhyNotAllowed Why = "key not allowed"
)

// Rejection says why a commit's signature does not count.
type Rejection struct {
	Why Why
	// Signer is the key that signed, when it could be read.
	Signer *Signer
	// Detail explains a bad signature.
	Detail string
}

func (r *Rejection) Error() string {
	var b strings.Builder
	switch r.Why {
	case WhyUnsigned:
		b.WriteString("the commit is not signed")
	case WhyNotAllowed:
		b.WriteString("signed by a key that is not allowed")
	default:
		b.WriteString("the signature does not verify")
	}
	if r.Signer != nil {
		fmt.Fprintf(&b, ": %s", r.Signer)
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, " (%s)", r.Detail)
	}
	return b.String()
}

// AsRejection returns the rejection in err's chain, or nil.
func AsRejection(err error) *Rejection {
	var r *Rejection
	if errors.As(err, &r) {
		return r
	}
	return nil
}

// Verifier checks commits against the signers a project allows.
type Verifier struct {
	ssh    []AllowedSigner
	pgp    openpgp.EntityList
	stages []string
	cache  cache
}

// WithStages returns a verifier with v's signers that verifies stages
// besides those ferry.yaml lists: stages given to ferry from outside the
// repository, which no commit turns off. v (nil allows no signer) is left
// as is.
func (v *Verifier) WithStages(stages ...string) *Verifier {
	n := &Verifier{}
	if v != nil {
		n.ssh, n.pgp, n.stages = v.ssh, v.pgp, slices.Clone(v.stages)
	}
	for _, s := range stages {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(n.stages, s) {
			n.stages = append(n.stages, s)
		}
	}
	return n
}

// Stages are the stages ferry was told to verify ([Verifier.WithStages]).
func (v *Verifier) Stages() []string {
	if v == nil {
		return nil
	}
	return v.stages
}

// NewVerifier returns a verifier that allows the SSH signers and the
// OpenPGP keys given.
func NewVerifier(signers []AllowedSigner, keys openpgp.EntityList) *Verifier {
	return &Verifier{ssh: signers, pgp: keys}
}

// LoadVerifier reads an allowed signers file and a file of armored
// OpenPGP public keys; either path may be empty.
func LoadVerifier(allowedSignersFile, pgpKeysFile string) (*Verifier, error) {
	v := &Verifier{}
	var err error
	if allowedSignersFile != "" {
		if v.ssh, err = LoadAllowedSigners(allowedSignersFile); err != nil {
			return nil, err
		}
	}
	if pgpKeysFile != "" {
		b, err := os.ReadFile(pgpKeysFile)
		if err != nil {
			return nil, fmt.Errorf("read allowed openpgp keys: %w", err)
		}
		if v.pgp, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("read allowed openpgp keys %s: %w", pgpKeysFile, err)
		}
	}
	return v, nil
}

// Verify checks the signature of a raw commit object (its content without
// the object header, as `git cat-file commit` prints it). It returns the
// allowed signer, else a [*Rejection].
func (v *Verifier) Verify(commit []byte) (Signer, error) {
	payload, sig, when := SplitCommit(commit)
	switch {
	case len(sig) == 0:
		return Signer{}, &Rejection{Why: WhyUnsigned}
	case bytes.Contains(sig, []byte(sshsigBegin)):
		return v.verifySSH(payload, sig, when)
	case bytes.Contains(sig, []byte("-----BEGIN PGP SIGNATURE-----")):
		return v.verifyPGP(payload, sig)
	}
	return Signer{}, &Rejection{Why: WhyBadSignature, Detail: "not an ssh nor an openpgp signature"}
}

func (v *Verifier) verifySSH(payload, armored []byte, when time.Time) (Signer, error) {
	sig, err := parseSSH(armored)
	if err != nil {
		return Signer{}, &Rejection{Why: WhyBadSignature, Detail: err.Error()}
	}
	who := Signer{Format: FormatSSH, Fingerprint: ssh.FingerprintSHA256(sig.key)}
	// The key must be listed before its signature is checked, as
	// ssh-keygen -Y verify does.
	want := sig.key.Marshal()
	var listed []*AllowedSigner
	for i := range v.ssh {
		if bytes.Equal(v.ssh[i].Key.Marshal(), want) {
			listed = append(listed, &v.ssh[i])
		}
	}
	if len(listed) == 0 {
		return Signer{}, &Rejection{Why: WhyNotAllowed, Signer: &who}
	}
	if err := sig.verify(payload, Namespace); err != nil {
		return Signer{}, &Rejection{Why: WhyBadSignature, Signer: &who, Detail: err.Error()}
	}
	for _, s := range listed {
		if s.allows(Namespace, when) {
			who.Principal = strings.Join(s.Principals, ",")
			return who, nil
		}
	}
	return Signer{}, &Rejection{Why: WhyNotAllowed, Signer: &who, Detail: "outside the namespaces or the validity of its allowed signers line"}
}

// verifyPGP checks an OpenPGP signature. Revocation and expiry are judged
// now, not at the signature's creation time, which its signer chooses; the
// hash must be SHA-256 or stronger.
func (v *Verifier) verifyPGP(payload, armored []byte) (Signer, error) {
	who := pgpIssuer(armored)
	if p, err := readPGPSignature(armored); err == nil && !strongHash(p.Hash) {
		return Signer{}, &Rejection{Why: WhyBadSignature, Signer: who, Detail: "openpgp signature uses a weak hash: want SHA-256, SHA-384, SHA-512 or SHA3"}
	}
	cfg := *pgpConfig
	e, err := openpgp.CheckArmoredDetachedSignature(v.pgp, bytes.NewReader(payload), bytes.NewReader(armored), &cfg)
	if err == nil && e != nil {
		return Signer{Format: FormatOpenPGP, Fingerprint: pgpFingerprint(e), Principal: pgpName(e)}, nil
	}
	if errors.Is(err, pgperrors.ErrUnknownIssuer) {
		return Signer{}, &Rejection{Why: WhyNotAllowed, Signer: who}
	}
	return Signer{}, &Rejection{Why: WhyBadSignature, Signer: who, Detail: pgpDetail(err)}
}

// strongHash reports whether an OpenPGP signature's hash is one ferry
// accepts.
func strongHash(h crypto.Hash) bool {
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_512:
		return true
	}
	return false
}

// pgpDetail says why an OpenPGP signature does not verify, in ferry's
// words: the library's errors may quote the signature's content.
func pgpDetail(err error) string {
	var (
		structural  pgperrors.StructuralError
		unsupported pgperrors.UnsupportedError
	)
	switch {
	case errors.Is(err, pgperrors.ErrKeyRevoked):
		return "openpgp key revoked"
	case errors.Is(err, pgperrors.ErrKeyExpired):
		return "openpgp key expired"
	case errors.Is(err, pgperrors.ErrSignatureExpired):
		return "openpgp signature expired"
	case errors.As(err, &structural):
		return "malformed openpgp signature"
	case errors.As(err, &unsupported):
		return "unsupported openpgp signature"
	}
	return "openpgp signature does not match the commit"
}

// pgpIssuer reads the issuer of an armored signature: its fingerprint,
// else its key id.
func pgpIssuer(armored []byte) *Signer {
	p, err := readPGPSignature(armored)
	if err != nil {
		return nil
	}
	switch {
	case len(p.IssuerFingerprint) > 0:
		return &Signer{Format: FormatOpenPGP, Fingerprint: truncate(strings.ToUpper(fmt.Sprintf("%x", p.IssuerFingerprint)))}
	case p.IssuerKeyId != nil:
		return &Signer{Format: FormatOpenPGP, Fingerprint: fmt.Sprintf("%016X", *p.IssuerKeyId)}
	}
	return nil
}

// truncate bounds a string read from a signature.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func pgpFingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(fmt.Sprintf("%x", e.PrimaryKey.Fingerprint))
}

func pgpName(e *openpgp.Entity) string {
	if id := e.PrimaryIdentity(); id != nil {
		return id.Name
	}
	return ""
}

// SplitCommit splits a raw commit as Git's parse_buffer_signed_by_header
// does: the payload its signature signs (the commit without any header
// whose name starts with gpgsig, byte for byte what Git signs), the
// armored signature of its gpgsig headers (nil when there is none), and
// the time of its first committer header (zero when it cannot be read).
func SplitCommit(commit []byte) (payload, sig []byte, when time.Time) {
	payload = make([]byte, 0, len(commit))
	var skip, isSig, committer bool
	for rest := commit; len(rest) > 0; {
		full := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			full = rest[:i+1]
		}
		rest = rest[len(full):]
		line := bytes.TrimSuffix(full, []byte("\n"))
		switch {
		case len(line) == 0: // the end of the headers: the message follows
			return append(append(payload, full...), rest...), sig, when
		case line[0] == ' ': // a continuation of the header before
			if isSig {
				sig = append(append(sig, line[1:]...), '\n')
			}
			if !skip {
				payload = append(payload, full...)
			}
			continue
		}
		key, value, _ := bytes.Cut(line, []byte(" "))
		isSig = string(key) == "gpgsig"
		skip = bytes.HasPrefix(line, []byte("gpgsig"))
		switch {
		case isSig:
			sig = append(append(sig, value...), '\n')
		case string(key) == "committer" && !committer:
			committer, when = true, commitTime(value)
		}
		if !skip {
			payload = append(payload, full...)
		}
	}
	return payload, sig, when
}

// readPGPSignature reads the signature packet of an armored signature.
func readPGPSignature(armored []byte) (*packet.Signature, error) {
	block, err := armor.Decode(bytes.NewReader(armored))
	if err != nil {
		return nil, err
	}
	p, err := packet.Read(block.Body)
	if err != nil {
		return nil, err
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return nil, errors.New("not a signature packet")
	}
	return sig, nil
}

// commitTime reads the time of an author or committer line's value.
func commitTime(v []byte) time.Time {
	f := strings.Fields(string(v))
	if len(f) < 2 {
		return time.Time{}
	}
	secs, err := strconv.ParseInt(f[len(f)-2], 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(secs, 0).UTC()
}
