package signing

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/crypto/ssh"
)

// Format is the kind of a signature.
type Format string

// Formats, named as Git's gpg.format names them.
const (
	FormatSSH     Format = "ssh"
	FormatOpenPGP Format = "openpgp"
)

// Key signs commits. It satisfies gitstore's Signer.
type Key struct {
	format Format
	ssh    ssh.Signer
	pgp    *openpgp.Entity
}

// Armor headers of the private key files [Load] reads.
const (
	pgpPrivateArmor = "-----BEGIN PGP PRIVATE KEY BLOCK-----"
	pgpPublicArmor  = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
)

// errEncrypted is returned for a key protected by a passphrase.
var errEncrypted = errors.New("the key is protected by a passphrase; give a key without one (keep the file itself secret)")

// Load reads a private key for signing from path: an OpenSSH private key
// or an armored OpenPGP private key. Errors name the file, never its
// content.
func Load(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("read signing key %s: %w", path, err)
	}
	return k, nil
}

// Parse reads a private key for signing (see [Load]).
func Parse(b []byte) (*Key, error) {
	if bytes.Contains(b, []byte(pgpPrivateArmor)) {
		return parsePGP(b)
	}
	if bytes.Contains(b, []byte(pgpPublicArmor)) {
		return nil, errors.New("an OpenPGP public key cannot sign; give the private key (gpg --export-secret-keys --armor)")
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, errEncrypted
		}
		return nil, errors.New("not an OpenSSH private key nor an armored OpenPGP private key")
	}
	return &Key{format: FormatSSH, ssh: s}, nil
}

func parsePGP(b []byte) (*Key, error) {
	list, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
	if err != nil {
		return nil, errors.New("not a readable armored OpenPGP private key")
	}
	for _, e := range list {
		if e.PrivateKey == nil {
			continue
		}
		if e.PrivateKey.Encrypted {
			return nil, errEncrypted
		}
		if sk, ok := e.SigningKey(pgpConfig.Now()); ok && sk.PrivateKey != nil && !sk.PrivateKey.Encrypted {
			return &Key{format: FormatOpenPGP, pgp: e}, nil
		}
	}
	return nil, errors.New("the OpenPGP key has no usable signing key")
}

// Format returns the kind of signatures the key makes.
func (k *Key) Format() Format { return k.format }

// Fingerprint identifies the key as [Signer.Fingerprint] does.
func (k *Key) Fingerprint() string {
	if k.format == FormatSSH {
		return ssh.FingerprintSHA256(k.ssh.PublicKey())
	}
	return pgpFingerprint(k.pgp)
}

// Sign returns the armored signature of payload, a commit encoded without
// its signature: the value of the commit's gpgsig header.
func (k *Key) Sign(payload []byte) ([]byte, error) {
	if k.format == FormatSSH {
		return signSSH(k.ssh, payload)
	}
	var out bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&out, k.pgp, bytes.NewReader(payload), pgpConfig); err != nil {
		return nil, fmt.Errorf("sign with openpgp key %s: %w", k.Fingerprint(), err)
	}
	if out.Len() > 0 && out.Bytes()[out.Len()-1] != '\n' {
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}

// String names the key by its fingerprint, never its content.
func (k *Key) String() string { return string(k.format) + " key " + k.Fingerprint() }

// random is the source of randomness of signatures.
var random = rand.Reader
