package signing

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/ssh"
)

// The SSHSIG format (OpenSSH's PROTOCOL.sshsig), as Git writes it.
const (
	sshsigMagic     = "SSHSIG"
	sshsigVersion   = 1
	sshsigBegin     = "-----BEGIN SSH SIGNATURE-----"
	sshsigEnd       = "-----END SSH SIGNATURE-----"
	sshsigLineWidth = 70
	// Namespace is the namespace of Git's SSH signatures on commits.
	Namespace  = "git"
	hashSHA512 = "sha512"
	hashSHA256 = "sha256"
)

// sshsigBlob is the signature blob of PROTOCOL.sshsig.
type sshsigBlob struct {
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  string
	Hash      string
	Signature []byte
}

// sshsigSigned is what the key signs: the message's hash with the
// namespace, under the magic preamble.
type sshsigSigned struct {
	Namespace string
	Reserved  string
	Hash      string
	Digest    []byte
}

func sshsigData(namespace, hashAlg string, digest []byte) []byte {
	return append([]byte(sshsigMagic), ssh.Marshal(sshsigSigned{Namespace: namespace, Hash: hashAlg, Digest: digest})...)
}

// signSSH returns the armored SSH signature of message in the "git"
// namespace with sha512, as `ssh-keygen -Y sign -n git` makes it.
func signSSH(s ssh.Signer, message []byte) ([]byte, error) {
	sum := sha512.Sum512(message)
	data := sshsigData(Namespace, hashSHA512, sum[:])
	var sig *ssh.Signature
	var err error
	if as, ok := s.(ssh.AlgorithmSigner); ok && s.PublicKey().Type() == ssh.KeyAlgoRSA {
		sig, err = as.SignWithAlgorithm(random, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = s.Sign(random, data)
	}
	if err != nil {
		return nil, fmt.Errorf("sign with ssh key %s: %w", ssh.FingerprintSHA256(s.PublicKey()), err)
	}
	blob := append([]byte(sshsigMagic), ssh.Marshal(sshsigBlob{
		Version: sshsigVersion, PublicKey: s.PublicKey().Marshal(),
		Namespace: Namespace, Hash: hashSHA512, Signature: ssh.Marshal(sig),
	})...)
	return armorSSH(blob), nil
}

func armorSSH(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString(sshsigBegin + "\n")
	for len(enc) > sshsigLineWidth {
		b.WriteString(enc[:sshsigLineWidth] + "\n")
		enc = enc[sshsigLineWidth:]
	}
	b.WriteString(enc + "\n" + sshsigEnd + "\n")
	return b.Bytes()
}

// sshSignature is a parsed SSH signature.
type sshSignature struct {
	key       ssh.PublicKey
	namespace string
	hash      string
	sig       *ssh.Signature
}

// parseSSH reads an armored SSH signature.
func parseSSH(armored []byte) (*sshSignature, error) {
	s := strings.TrimSpace(string(armored))
	if len(s) < len(sshsigBegin)+len(sshsigEnd) || !strings.HasPrefix(s, sshsigBegin) || !strings.HasSuffix(s, sshsigEnd) {
		return nil, errors.New("not an armored ssh signature")
	}
	s = strings.Join(strings.Fields(s[len(sshsigBegin):len(s)-len(sshsigEnd)]), "")
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !bytes.HasPrefix(raw, []byte(sshsigMagic)) {
		return nil, errors.New("malformed ssh signature")
	}
	var blob sshsigBlob
	if err := ssh.Unmarshal(raw[len(sshsigMagic):], &blob); err != nil || blob.Version != sshsigVersion {
		return nil, errors.New("malformed ssh signature")
	}
	key, err := ssh.ParsePublicKey(blob.PublicKey)
	if err != nil {
		return nil, errors.New("malformed ssh signature: unsupported or malformed public key")
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(blob.Signature, sig); err != nil {
		return nil, errors.New("malformed ssh signature")
	}
	return &sshSignature{key: key, namespace: blob.Namespace, hash: blob.Hash, sig: sig}, nil
}

// verify checks the signature over message in namespace.
func (s *sshSignature) verify(message []byte, namespace string) error {
	if s.namespace != namespace {
		return fmt.Errorf("ssh signature in namespace %.64q, not %q", s.namespace, namespace)
	}
	if s.sig.Format == ssh.KeyAlgoRSA {
		return errors.New("ssh signature uses ssh-rsa (SHA-1)")
	}
	var h hash.Hash
	switch s.hash {
	case hashSHA512:
		h = sha512.New()
	case hashSHA256:
		h = sha256.New()
	default:
		return fmt.Errorf("ssh signature uses unknown hash %.64q", s.hash)
	}
	h.Write(message)
	if err := s.key.Verify(sshsigData(s.namespace, s.hash, h.Sum(nil)), s.sig); err != nil {
		return errors.New("ssh signature does not match the commit")
	}
	return nil
}
