package signing_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/signing"
)

// keys are an allowed and a stranger's key of each format.
type keys struct {
	ssh, sshStranger gittest.SigningKey
	pgp, pgpStranger gittest.SigningKey
}

func makeKeys(t testing.TB) keys {
	t.Helper()
	return keys{
		ssh:         gittest.SSHSigningKey(t, "alice@example.com"),
		sshStranger: gittest.SSHSigningKey(t, "mallory@example.com"),
		pgp:         gittest.PGPSigningKey(t, "Bob", "bob@example.com"),
		pgpStranger: gittest.PGPSigningKey(t, "Eve", "eve@example.com"),
	}
}

// verifier allows k.ssh and k.pgp.
func (k keys) verifier(t testing.TB) *signing.Verifier {
	t.Helper()
	dir := t.TempDir()
	signers := filepath.Join(dir, "allowed_signers")
	writeFile(t, signers, "# who may sign\n"+k.ssh.Public+"\n")
	pgp := filepath.Join(dir, "keys.asc")
	writeFile(t, pgp, k.pgp.Public)
	v, err := signing.LoadVerifier(signers, pgp)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// catFile returns the raw commit h of the repository dir.
func catFile(tb testing.TB, dir, h string) []byte {
	tb.Helper()
	return []byte(gittest.Git(tb, dir, "cat-file", "commit", h) + "\n")
}

// graft writes a commit with the content of onto and the signature of
// signed, and returns it.
func graft(tb testing.TB, dir, signed, onto string) string {
	tb.Helper()
	_, sig, _ := signing.SplitCommit(catFile(tb, dir, signed))
	raw := string(catFile(tb, dir, onto))
	header, body, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(strings.TrimSuffix(string(sig), "\n"), "\n")
	forged := header + "\ngpgsig " + strings.Join(lines, "\n ") + "\n\n" + body
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, gittest.Env(), strings.NewReader(forged)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestVerifyCommitsSignedByGit(t *testing.T) {
	k := makeKeys(t)
	v := k.verifier(t)
	dir := gittest.InitBare(t)
	file := func(s string) gittest.Files { return gittest.Files{"f": gittest.Text(s)} }
	bySSH := gittest.CommitSigned(t, dir, "main", "by alice", file("1"), k.ssh)
	byPGP := gittest.CommitSigned(t, dir, "main", "by bob", file("2"), k.pgp)
	bySSHStranger := gittest.CommitSigned(t, dir, "main", "by mallory", file("3"), k.sshStranger)
	byPGPStranger := gittest.CommitSigned(t, dir, "main", "by eve", file("4"), k.pgpStranger)
	unsigned := gittest.CommitFiles(t, dir, "main", "by nobody", file("5"))
	sshGraft := graft(t, dir, bySSH, unsigned)
	pgpGraft := graft(t, dir, byPGP, unsigned)
	sshFP := fingerprint(t, k.ssh)
	tests := []struct {
		name   string
		commit string
		want   signing.Signer
		why    signing.Why
		signer string // the rejection's signer's fingerprint
	}{
		{name: "ssh allowed", commit: bySSH, want: signing.Signer{Format: signing.FormatSSH, Fingerprint: sshFP, Principal: "alice@example.com"}},
		{name: "openpgp allowed", commit: byPGP, want: signing.Signer{Format: signing.FormatOpenPGP, Fingerprint: pgpFingerprint(t, k.pgp), Principal: "Bob <bob@example.com>"}},
		{name: "ssh key not allowed", commit: bySSHStranger, why: signing.WhyNotAllowed, signer: fingerprint(t, k.sshStranger)},
		{name: "openpgp key not allowed", commit: byPGPStranger, why: signing.WhyNotAllowed, signer: pgpFingerprint(t, k.pgpStranger)},
		{name: "unsigned", commit: unsigned, why: signing.WhyUnsigned},
		{name: "ssh signature of another commit", commit: sshGraft, why: signing.WhyBadSignature, signer: sshFP},
		{name: "openpgp signature of another commit", commit: pgpGraft, why: signing.WhyBadSignature, signer: pgpFingerprint(t, k.pgp)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(catFile(t, dir, tt.commit))
			if tt.why == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("signer (-want +got):\n%s", diff)
				}
				return
			}
			r := signing.AsRejection(err)
			if r == nil {
				t.Fatalf("Verify = %v, %v; want a rejection (%s)", got, err, tt.why)
			}
			if r.Why != tt.why {
				t.Errorf("why = %q, want %q (%v)", r.Why, tt.why, r)
			}
			var fp string
			if r.Signer != nil {
				fp = r.Signer.Fingerprint
			}
			if !strings.HasSuffix(tt.signer, fp) || (tt.signer != "") != (fp != "") {
				t.Errorf("rejection's signer = %q, want %q", fp, tt.signer)
			}
		})
	}
}

// fingerprint is ssh-keygen's fingerprint of an SSH key.
func fingerprint(tb testing.TB, k gittest.SigningKey) string {
	tb.Helper()
	out, err := exec.Command("ssh-keygen", "-l", "-f", k.Private+".pub").Output()
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Fields(string(out))[1]
}

// pgpFingerprint is gpg's fingerprint of an OpenPGP key.
func pgpFingerprint(tb testing.TB, k gittest.SigningKey) string {
	tb.Helper()
	out, err := exec.Command("gpg", "--homedir", k.Home, "--with-colons", "--fingerprint").Output()
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "fpr:") {
			return strings.Split(l, ":")[9]
		}
	}
	tb.Fatal("no fingerprint")
	return ""
}

// TestSignIsVerifiedByGit signs a commit with each format and checks it
// with git verify-commit and with Verify.
func TestSignIsVerifiedByGit(t *testing.T) {
	k := makeKeys(t)
	dir := gittest.InitBare(t)
	base := gittest.CommitFiles(t, dir, "main", "unsigned", gittest.Files{"f": gittest.Text("x")})
	signers := filepath.Join(t.TempDir(), "allowed_signers")
	writeFile(t, signers, k.ssh.Public+"\n")
	rsa := gittest.SSHSigningKeyOfType(t, "rsa@example.com", "rsa")
	ecdsa := gittest.SSHSigningKeyOfType(t, "ecdsa@example.com", "ecdsa")
	all := filepath.Join(t.TempDir(), "all_signers")
	writeFile(t, all, k.ssh.Public+"\n"+rsa.Public+"\n"+ecdsa.Public+"\n")
	pgpKeys := filepath.Join(t.TempDir(), "keys.asc")
	writeFile(t, pgpKeys, k.pgp.Public)
	v, err := signing.LoadVerifier(all, pgpKeys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		key    gittest.SigningKey
		config []string
	}{
		{"ssh", k.ssh, []string{"-c", "gpg.ssh.allowedSignersFile=" + signers}},
		{"ssh rsa", rsa, gittest.VerifyConfig(t, rsa)},
		{"ssh ecdsa", ecdsa, gittest.VerifyConfig(t, ecdsa)},
		{"openpgp", k.pgp, k.pgp.Config},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key, err := signing.Load(tt.key.Private)
			if err != nil {
				t.Fatal(err)
			}
			raw := catFile(t, dir, base)
			sig, err := key.Sign(raw)
			if err != nil {
				t.Fatal(err)
			}
			header, body, _ := strings.Cut(string(raw), "\n\n")
			lines := strings.Split(strings.TrimSuffix(string(sig), "\n"), "\n")
			signed := header + "\ngpgsig " + strings.Join(lines, "\n ") + "\n\n" + body
			cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
			cmd.Dir, cmd.Env, cmd.Stdin = dir, gittest.Env(), strings.NewReader(signed)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			h := strings.TrimSpace(string(out))
			gittest.Git(t, dir, append(tt.config, "verify-commit", h)...)
			if _, err := v.Verify([]byte(signed)); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if !bytes.Contains(sig, []byte("-----BEGIN ")) {
				t.Errorf("signature is not armored:\n%s", sig)
			}
		})
	}
}
