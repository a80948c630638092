package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/fluxcd/pkg/apis/meta"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/signing"
)

// secret is the directory of one Secret's keys, "" without a Secret. Its
// files are re-read where ferry uses them, so a rotated Secret applies at
// once.
type secret string

func (f *Fleet) secret(namespace string, ref *meta.LocalObjectReference) secret {
	if ref == nil || ref.Name == "" {
		return ""
	}
	return secret(filepath.Join(f.opts.SecretsDir, namespace, ref.Name))
}

// file is the path of key when the Secret has it, else "".
func (s secret) file(key string) string {
	if s == "" {
		return ""
	}
	p := filepath.Join(string(s), key)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// value is key's content, trimmed, or "".
func (s secret) value(key string) string {
	p := s.file(key)
	if p == "" {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// gitAuth reads a repository's credentials: a password or token (and a
// user name) for HTTPS, an identity and known_hosts for SSH, whose
// passphrase is the password when the identity is encrypted.
func (s secret) gitAuth() gitstore.AuthOptions {
	a := gitstore.AuthOptions{
		Username: s.value(v1alpha1.SecretKeyUsername),
		CAFile:   s.file(v1alpha1.SecretKeyCACert),
	}
	if id := s.file(v1alpha1.SecretKeyIdentity); id != "" {
		a.SSHKeyFile, a.KnownHostsFile = id, s.file(v1alpha1.SecretKeyKnownHosts)
		a.SSHKeyPassphraseFile = s.file(v1alpha1.SecretKeyPassword)
		return a
	}
	a.PasswordFile = s.file(v1alpha1.SecretKeyPassword)
	return a
}

// prometheus reads Prometheus' credentials: a bearer token, or a user
// name and password, and a CA bundle.
func (s secret) prometheus(url string) evaluator.PrometheusOptions {
	return evaluator.PrometheusOptions{
		URL:                   url,
		BearerTokenFile:       s.file(v1alpha1.SecretKeyBearerToken),
		BasicAuthUser:         s.value(v1alpha1.SecretKeyUsername),
		BasicAuthPasswordFile: s.file(v1alpha1.SecretKeyPassword),
		CAFile:                s.file(v1alpha1.SecretKeyCACert),
	}
}

// forge reads a forge's token.
func (s secret) forge(f *v1alpha1.Forge) forge.Options {
	return forge.Options{Kind: string(f.Kind), API: f.API, Repo: f.Repo, TokenFile: filepath.Join(string(s), v1alpha1.SecretKeyToken)}
}

// signer reads the key a project's commits are signed with, else returns
// def (the fleet's).
func (s secret) signer(def gitstore.Signer) (gitstore.Signer, error) {
	p := s.file(v1alpha1.SecretKeySigningKey)
	if p == "" {
		return def, nil
	}
	return signing.Load(p)
}

// verifier reads the signers a project allows for its verify stages,
// else takes def's (the fleet's), and adds the Secret's verifyStages
// (separated by commas or spaces) to def's stages.
func (s secret) verifier(def *signing.Verifier) (*signing.Verifier, error) {
	signers, keys := s.file(v1alpha1.SecretKeyAllowedSigners), s.file(v1alpha1.SecretKeyAllowedPGPKeys)
	listed := strings.FieldsFunc(s.value(v1alpha1.SecretKeyVerifyStages), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	v := def
	if signers != "" || keys != "" {
		var err error
		if v, err = signing.LoadVerifier(signers, keys); err != nil {
			return nil, err
		}
		listed = append(def.Stages(), listed...)
	}
	if len(listed) == 0 {
		return v, nil
	}
	return v.WithStages(listed...), nil
}

// trust fingerprints what a project signs with and admits into its verify
// stages, as its repository Secret holds it: the keys a restart reads
// again. Unreadable keys fingerprint as absent (building the project then
// says why).
func (s secret) trust() string {
	h := sha256.New()
	for _, key := range []string{v1alpha1.SecretKeySigningKey, v1alpha1.SecretKeyAllowedSigners, v1alpha1.SecretKeyAllowedPGPKeys, v1alpha1.SecretKeyVerifyStages} {
		var data []byte
		if p := s.file(key); p != "" {
			data, _ = os.ReadFile(p)
		}
		_, _ = fmt.Fprintf(h, "%s %d %x\n", key, len(data), sha256.Sum256(data))
	}
	return hex.EncodeToString(h.Sum(nil))
}
