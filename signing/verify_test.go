package signing_test

import (
	"encoding/base64"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/signing"
)

// pgpKeyAt makes an OpenPGP key with gpg as if the clock read created
// (gpg's --faked-system-time), of algo, that expires after expire
// ("never", "1d"), and a gpg.program whose signatures are made at signed
// with extra options.
func pgpKeyAt(tb testing.TB, algo, created, expire, signed string, extra ...string) gittest.SigningKey {
	tb.Helper()
	gittest.RequireTools(tb, "gpg")
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(home)
	})
	gpg(tb, home, "--faked-system-time", created+"!", "--quick-generate-key", "Old <old@example.com>", algo, "sign", expire)
	program := filepath.Join(home, "gpg.sh")
	script := "#!/bin/sh\nexec gpg --homedir '" + home + "' --faked-system-time " + signed + "! " + strings.Join(extra, " ") + " \"$@\"\n"
	if err := os.WriteFile(program, []byte(script), 0o700); err != nil {
		tb.Fatal(err)
	}
	return gittest.SigningKey{
		Home:   home,
		Public: gpg(tb, home, "--armor", "--export", "old@example.com"),
		Config: []string{"-c", "gpg.format=openpgp", "-c", "gpg.program=" + program, "-c", "user.signingkey=old@example.com"},
	}
}

func gpg(tb testing.TB, home string, args ...string) string {
	tb.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
	cmd.Env = gittest.Env()
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("gpg %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// revoke revokes k with the revocation certificate gpg made with it, and
// returns its public key.
func revoke(tb testing.TB, k gittest.SigningKey) string {
	tb.Helper()
	certs, err := filepath.Glob(filepath.Join(k.Home, "openpgp-revocs.d", "*.rev"))
	if err != nil || len(certs) != 1 {
		tb.Fatalf("revocation certificates: %v %v", certs, err)
	}
	b, err := os.ReadFile(certs[0])
	if err != nil {
		tb.Fatal(err)
	}
	cert := filepath.Join(k.Home, "revoke.asc")
	if err := os.WriteFile(cert, []byte(strings.Replace(string(b), ":-----BEGIN", "-----BEGIN", 1)), 0o600); err != nil {
		tb.Fatal(err)
	}
	gpg(tb, k.Home, "--import", cert)
	return gpg(tb, k.Home, "--armor", "--export", "old@example.com")
}

func pgpVerifier(tb testing.TB, public string) *signing.Verifier {
	tb.Helper()
	keys := filepath.Join(tb.TempDir(), "keys.asc")
	writeFile(tb, keys, public)
	v, err := signing.LoadVerifier("", keys)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestVerifyOpenPGPJudgedNow checks that a key expired or revoked now does
// not count for a signature its signer dated from before, and that weak
// hashes are refused.
func TestVerifyOpenPGPJudgedNow(t *testing.T) {
	dir := gittest.InitBare(t)
	file := func(s string) gittest.Files { return gittest.Files{"f": gittest.Text(s)} }
	expired := pgpKeyAt(t, "ed25519", "20200101T000000", "1d", "20200101T010000")
	revoked := pgpKeyAt(t, "ed25519", "20200101T000000", "never", "20200101T010000")
	sha1 := pgpKeyAt(t, "rsa2048", "20200101T000000", "never", "20200101T010000", "--digest-algo", "SHA1")
	sha224 := pgpKeyAt(t, "rsa2048", "20200101T000000", "never", "20200101T010000", "--digest-algo", "SHA224")
	sha512 := pgpKeyAt(t, "rsa2048", "20200101T000000", "never", "20200101T010000", "--digest-algo", "SHA512")
	sign := func(k gittest.SigningKey) string {
		return gittest.CommitSigned(t, dir, "main", "signed in 2020", file(k.Home), k)
	}
	byRevoked := sign(revoked) // before the key is revoked
	tests := []struct {
		name   string
		commit string
		public string
		detail string // "" when the signature counts
	}{
		{name: "expired", commit: sign(expired), public: expired.Public, detail: "openpgp key expired"},
		{name: "revoked", commit: byRevoked, public: revoke(t, revoked), detail: "openpgp key revoked"},
		{name: "sha1", commit: sign(sha1), public: sha1.Public, detail: "weak hash"},
		{name: "sha224", commit: sign(sha224), public: sha224.Public, detail: "weak hash"},
		{name: "sha512", commit: sign(sha512), public: sha512.Public},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			who, err := pgpVerifier(t, tt.public).Verify(catFile(t, dir, tt.commit))
			if tt.detail == "" {
				if err != nil || who.Principal != "Old <old@example.com>" {
					t.Fatalf("Verify = %v, %v; want Old", who, err)
				}
				return
			}
			r := signing.AsRejection(err)
			if r == nil || !strings.Contains(r.Detail, tt.detail) || strings.Contains(r.Error(), "openpgp: openpgp:") {
				t.Fatalf("Verify = %v, %v; want a rejection for %q", who, err, tt.detail)
			}
		})
	}
}

// sshCommit returns a raw commit with these headers and message, signed
// by ssh-keygen -Y sign with k in namespace ns, its gpgsig header after
// the headers.
func sshCommit(tb testing.TB, k gittest.SigningKey, ns, headers string) []byte {
	tb.Helper()
	payload := headers + "\nmessage\n"
	cmd := exec.Command("ssh-keygen", "-q", "-Y", "sign", "-f", k.Private, "-n", ns)
	cmd.Env, cmd.Stdin = gittest.Env(), strings.NewReader(payload)
	sig, err := cmd.Output()
	if err != nil {
		tb.Fatalf("ssh-keygen -Y sign: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(sig), "\n"), "\n")
	return []byte(headers + "gpgsig " + strings.Join(lines, "\n ") + "\n\nmessage\n")
}

const tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"

func committed(secs string) string {
	return tree + "author A <a@example.com> " + secs + " +0000\ncommitter C <c@example.com> " + secs + " +0000\n"
}

// TestVerifySSHAllowedSignersOptions checks namespaces patterns, the
// validity times (inclusive, of the first committer header, unreadable
// ones refused), and that every gpgsig* header is left out of the payload.
func TestVerifySSHAllowedSignersOptions(t *testing.T) {
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	mallory := gittest.SSHSigningKey(t, "mallory@example.com")
	line := func(options string) string {
		principal, key, _ := strings.Cut(alice.Public, " ")
		return principal + " " + options + " " + key
	}
	// 1700000000 is 2023-11-14 22:13:20 UTC.
	at := committed("1700000000")
	tests := []struct {
		name, signers string
		commit        []byte
		why           signing.Why // "" when the signature counts
	}{
		{name: "namespace pattern", signers: line(`namespaces="g*,file"`), commit: sshCommit(t, alice, "git", at)},
		{name: "negated namespace", signers: line(`namespaces="git,!git"`), commit: sshCommit(t, alice, "git", at), why: signing.WhyNotAllowed},
		{name: "valid-before is inclusive", signers: line(`valid-before="20231114221320Z"`), commit: sshCommit(t, alice, "git", at)},
		{name: "valid-before", signers: line(`valid-before="20231114221319Z"`), commit: sshCommit(t, alice, "git", at), why: signing.WhyNotAllowed},
		{name: "valid-after", signers: line(`valid-after="20231114221321Z"`), commit: sshCommit(t, alice, "git", at), why: signing.WhyNotAllowed},
		{name: "first committer header", signers: line(`valid-before="20231114221320Z"`), commit: sshCommit(t, alice, "git", at+"committer C <c@example.com> 1600000000 +0000\n")},
		{name: "first committer header is late", signers: line(`valid-after="20231114221320Z"`), commit: sshCommit(t, alice, "git", committed("1600000000")+"committer C <c@example.com> 1700000000 +0000\n"), why: signing.WhyNotAllowed},
		{name: "no committer time, no bounds", signers: line(""), commit: sshCommit(t, alice, "git", tree+"committer C <c@example.com> soon\n")},
		{name: "no committer time", signers: line(`valid-after="20200101"`), commit: sshCommit(t, alice, "git", tree+"committer C <c@example.com> soon\n"), why: signing.WhyNotAllowed},
		{name: "other gpgsig headers", signers: line(""), commit: []byte(strings.Replace(string(sshCommit(t, alice, "git", at)), "\ngpgsig ", "\ngpgsig-x whatever\n more\ngpgsig ", 1))},
		{name: "key not allowed is not verified", signers: line(""), commit: []byte(strings.Replace(string(sshCommit(t, mallory, "git", at)), "message", "forged", 1)), why: signing.WhyNotAllowed},
		{name: "other namespace", signers: line(""), commit: sshCommit(t, alice, "file", at), why: signing.WhyBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signers, err := signing.ParseAllowedSigners("allowed_signers", []byte(tt.signers+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			who, err := signing.NewVerifier(signers, nil).Verify(tt.commit)
			if tt.why == "" {
				if err != nil || who.Principal != "alice@example.com" {
					t.Fatalf("Verify = %v, %v; want alice", who, err)
				}
				return
			}
			if r := signing.AsRejection(err); r == nil || r.Why != tt.why {
				t.Fatalf("Verify = %v, %v; want %q", who, err, tt.why)
			}
		})
	}
}

// TestVerifyBoundsSignatureText checks that what a signature says reaches
// a rejection's text bounded and quoted.
func TestVerifyBoundsSignatureText(t *testing.T) {
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	signers, err := signing.ParseAllowedSigners("allowed_signers", []byte(alice.Public+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := signing.NewVerifier(signers, nil)
	long := "\x1b[31m" + strings.Repeat("n", 5000) + "\n*alert*"
	str := func(s string) []byte { return binary.BigEndian.AppendUint32(nil, uint32(len(s))) }
	blob := []byte("SSHSIG\x00\x00\x00\x01")
	key := string(append(str(long), long...))
	for _, f := range []string{key, "git", "", "sha512", "sig"} {
		blob = append(append(blob, str(f)...), f...)
	}
	var armored strings.Builder
	armored.WriteString("-----BEGIN SSH SIGNATURE-----\n")
	enc := base64Std(blob)
	for len(enc) > 70 {
		armored.WriteString(" " + enc[:70] + "\n")
		enc = enc[70:]
	}
	armored.WriteString(" " + enc + "\n -----END SSH SIGNATURE-----\n")
	commits := map[string][]byte{
		"key type":  []byte(committed("1") + "gpgsig " + strings.TrimPrefix(armored.String(), "") + "\nm\n"),
		"namespace": sshCommit(t, alice, long, committed("1")),
	}
	for name, c := range commits {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(c)
			if err == nil {
				t.Fatal("Verify accepted the commit")
			}
			if msg := err.Error(); len(msg) > 300 || strings.ContainsAny(msg, "\x1b\n") || strings.Contains(msg, "*alert*") {
				t.Errorf("rejection quotes the signature unbounded: %q", msg)
			}
		})
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// FuzzVerify checks that no commit makes Verify panic, from commits
// signed by git with an SSH and an OpenPGP key both allowed.
func FuzzVerify(f *testing.F) {
	k := makeKeys(f)
	dir := gittest.InitBare(f)
	for i, key := range []gittest.SigningKey{k.ssh, k.pgp} {
		c := gittest.CommitSigned(f, dir, "main", "seed", gittest.Files{"f": gittest.Text(strconv.Itoa(i))}, key)
		f.Add(catFile(f, dir, c))
	}
	f.Add([]byte(committed("1") + "gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\nm\n"))
	v := k.verifier(f)
	f.Fuzz(func(t *testing.T, commit []byte) {
		who, err := v.Verify(commit)
		if err == nil && who.Fingerprint == "" {
			t.Fatalf("Verify accepted %q without a signer", commit)
		}
		if err != nil && signing.AsRejection(err) == nil {
			t.Fatalf("Verify = %v, not a rejection", err)
		}
	})
}
