package gittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// VerifyConfig returns the git configuration (-c name=value arguments)
// under which `git verify-commit` accepts signatures by the keys of
// allowed: SSH keys through an allowed signers file, OpenPGP keys
// imported into a new GnuPG home that holds nothing else.
func VerifyConfig(tb testing.TB, allowed ...SigningKey) []string {
	tb.Helper()
	var signers []string
	var pgp []string
	for _, k := range allowed {
		if k.Home == "" {
			signers = append(signers, k.Public)
		} else {
			pgp = append(pgp, k.Public)
		}
	}
	file := filepath.Join(tb.TempDir(), "allowed_signers")
	if err := os.WriteFile(file, []byte(strings.Join(signers, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	config := []string{"-c", "gpg.ssh.allowedSignersFile=" + file}
	if len(pgp) == 0 {
		return config
	}
	home := GPGHome(tb)
	keys := filepath.Join(home, "keys.asc")
	if err := os.WriteFile(keys, []byte(strings.Join(pgp, "\n")), 0o600); err != nil {
		tb.Fatal(err)
	}
	run(tb, "gpg", "--homedir", home, "--batch", "--import", keys)
	program := filepath.Join(home, "gpg.sh")
	if err := os.WriteFile(program, []byte("#!/bin/sh\nexec gpg --homedir '"+home+"' \"$@\"\n"), 0o700); err != nil {
		tb.Fatal(err)
	}
	return append(config, "-c", "gpg.program="+program)
}
