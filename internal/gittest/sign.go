package gittest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireTools skips the test when one of the programs is not installed,
// and fails it instead under CI (the environment variable CI is set),
// where hack/deps.sh installs them.
func RequireTools(tb testing.TB, names ...string) {
	tb.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is not installed (hack/deps.sh installs it)", n)
			}
			tb.Skipf("%s is not installed", n)
		}
	}
}

// SigningKey is a key the git command line signs commits with.
type SigningKey struct {
	// Config is the git configuration that signs with the key, as -c
	// name=value arguments.
	Config []string
	// Private is a file holding the private key: an OpenSSH key, or an
	// armored OpenPGP key.
	Private string
	// Public is the public key: an allowed signers line for SSH (principal
	// first), an armored key block for OpenPGP.
	Public string
	// Home is the GnuPG home of an OpenPGP key.
	Home string
}

// SSHSigningKey makes an ed25519 key with ssh-keygen for principal.
func SSHSigningKey(tb testing.TB, principal string) SigningKey {
	tb.Helper()
	return SSHSigningKeyOfType(tb, principal, "ed25519")
}

// SSHSigningKeyOfType makes a key of a type ssh-keygen -t takes (ed25519,
// ecdsa, rsa) for principal.
func SSHSigningKeyOfType(tb testing.TB, principal, keyType string) SigningKey {
	tb.Helper()
	RequireTools(tb, "ssh-keygen")
	key := filepath.Join(tb.TempDir(), "id_"+keyType)
	run(tb, "ssh-keygen", "-q", "-t", keyType, "-N", "", "-C", principal, "-f", key)
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	return SigningKey{
		Config:  []string{"-c", "gpg.format=ssh", "-c", "user.signingkey=" + key},
		Private: key,
		Public:  principal + " " + strings.TrimSpace(string(pub)),
	}
}

// PGPSigningKey makes an ed25519 OpenPGP key without a passphrase with gpg
// in a new GnuPG home, and a gpg.program that uses that home.
func PGPSigningKey(tb testing.TB, name, email string) SigningKey {
	tb.Helper()
	RequireTools(tb, "gpg")
	home := GPGHome(tb)
	gpg := func(args ...string) string {
		return run(tb, "gpg", append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
	}
	uid := name + " <" + email + ">"
	gpg("--quick-generate-key", uid, "ed25519", "sign", "never")
	k := SigningKey{Home: home, Private: filepath.Join(home, "private.asc"), Public: gpg("--armor", "--export", email)}
	if err := os.WriteFile(k.Private, []byte(gpg("--armor", "--export-secret-keys", email)), 0o600); err != nil {
		tb.Fatal(err)
	}
	program := filepath.Join(home, "gpg.sh")
	if err := os.WriteFile(program, []byte("#!/bin/sh\nexec gpg --homedir '"+home+"' \"$@\"\n"), 0o700); err != nil {
		tb.Fatal(err)
	}
	k.Config = []string{"-c", "gpg.format=openpgp", "-c", "gpg.program=" + program, "-c", "user.signingkey=" + email}
	return k
}

// CommitSigned is [CommitFiles] with a commit signed by key.
func CommitSigned(tb testing.TB, dir, branch, msg string, files Files, key SigningKey) string {
	tb.Helper()
	return commitFiles(tb, dir, branch, msg, files, key.Config)
}

func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = Env()
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg += ": " + string(ee.Stderr)
		}
		tb.Fatalf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return string(out)
}

// GPGHome is a new GnuPG home for the test, its agent stopped and the
// directory removed when the test ends. gpg-agent's socket lives in the
// home, so its path is kept short (not under the test's temporary
// directory).
func GPGHome(tb testing.TB) string {
	tb.Helper()
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(home)
	})
	if err := os.Chmod(home, 0o700); err != nil {
		tb.Fatal(err)
	}
	return home
}
