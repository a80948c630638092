package reconciler_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/signing"
)

// newVerifyWorld is the promote world whose ferry.yaml verifies
// production, with a reconciler that allows the signers given. Its first
// candidate, main's unsigned tip, stops before production.
func newVerifyWorld(t *testing.T, allowed ...gittest.SigningKey) *world {
	t.Helper()
	return newVerifyWorldWith(t, "settle: 10s\nverify:\n  stages: [production]\n", nil, allowed...)
}

// newVerifyWorldWith is newVerifyWorld with this ferry.yaml, and the
// stages ferry is told to verify from outside the repository.
func newVerifyWorldWith(t *testing.T, ferryYAML string, verifyStages []string, allowed ...gittest.SigningKey) *world {
	t.Helper()
	w := newWorldWith(t, func(dir string) {
		gittest.CommitTxtar(t, dir, "main", filepath.Join("testdata", "promote.txtar"))
		gittest.CommitFiles(t, dir, "main", "verify production", gittest.Files{"ferry.yaml": gittest.Text(ferryYAML)})
	})
	var signers, pgp []string
	for _, k := range allowed {
		if k.Home == "" {
			signers = append(signers, k.Public)
		} else {
			pgp = append(pgp, k.Public)
		}
	}
	dir := t.TempDir()
	signersFile, pgpFile := filepath.Join(dir, "allowed_signers"), ""
	writeTestFile(t, signersFile, strings.Join(signers, "\n")+"\n")
	if len(pgp) > 0 {
		pgpFile = filepath.Join(dir, "keys.asc")
		writeTestFile(t, pgpFile, strings.Join(pgp, "\n"))
	}
	v, err := signing.LoadVerifier(signersFile, pgpFile)
	if err != nil {
		t.Fatal(err)
	}
	w.rec = w.withOptions(func(o *reconciler.Options) { o.Verifier = v.WithStages(verifyStages...) })
	w.settle(time.Hour)
	w.checkStopped("carts:0.11.1", "the commit is not signed", "")
	return w
}

// TestVerifySignedCandidatesPolicy checks that an unsigned commit on main
// cannot turn verification off nor ride on a later signed commit.
func TestVerifySignedCandidatesPolicy(t *testing.T) {
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	const noVerify = "settle: 10s\n"
	files := func(img, ferryYAML string) gittest.Files {
		f := gittest.Files{"services/carts/pin.yaml": gittest.Text("image: " + img + "\n")}
		if ferryYAML != "" {
			f["ferry.yaml"] = gittest.Text(ferryYAML)
		}
		return f
	}
	// released has alice's signed carts:0.11.2 released in production.
	released := func(t *testing.T) *world {
		w := newVerifyWorld(t, alice)
		gittest.CommitSigned(t, w.dir, "main", "bump carts to 0.11.2", files("carts:0.11.2", ""), alice)
		w.settle(time.Hour)
		if img := w.image("production"); img != "carts:0.11.2" {
			t.Fatalf("production runs %q, want the signed carts:0.11.2", img)
		}
		return w
	}
	t.Run("unsigned commit drops verify, verify stages given to ferry", func(t *testing.T) {
		w := newVerifyWorldWith(t, noVerify, []string{"production"}, alice)
		w.bump("carts:0.11.2")
		w.settle(time.Hour)
		w.checkStopped("carts:0.11.2", "the commit is not signed", "")
	})
	t.Run("unsigned commit drops verify after a signed release", func(t *testing.T) {
		w := released(t)
		gittest.CommitFiles(t, w.dir, "main", "drop verify, bump carts", files("carts:0.11.3", noVerify))
		w.settle(time.Hour)
		w.checkStopped("carts:0.11.3", "the commit is not signed", "")
	})
	t.Run("unsigned commit before a signed one", func(t *testing.T) {
		w := released(t)
		unsigned := w.bump("carts:0.11.3")
		w.settle(time.Hour)
		gittest.CommitSigned(t, w.dir, "main", "bump carts to 0.11.4", files("carts:0.11.4", ""), alice)
		w.settle(time.Hour)
		w.checkStopped("carts:0.11.4", "commit "+unsigned[:12]+" on main before it: the commit is not signed", "")
	})
	t.Run("signed commit drops verify", func(t *testing.T) {
		w := released(t)
		gittest.CommitSigned(t, w.dir, "main", "drop verify, bump carts", files("carts:0.11.3", noVerify), alice)
		w.settle(time.Hour)
		w.bump("carts:0.11.4")
		w.settle(time.Hour)
		if img := w.image("production"); img != "carts:0.11.4" {
			t.Errorf("production runs %q, want carts:0.11.4 once a signed commit dropped verify", img)
		}
	})
}

func writeTestFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// checkStopped checks that image reached staging but not production, the
// run stopped as UnsignedCandidate with why in status.json (and signer
// when a key signed), the candidate's note and a notification.
func (w *world) checkStopped(image, why, signer string) {
	w.t.Helper()
	if got := w.image("staging"); got != image {
		w.t.Errorf("staging runs %q, want %q", got, image)
	}
	if got := w.image("production"); got == image {
		w.t.Errorf("production runs %s, delivered without an allowed signature", got)
	}
	data := w.git("show", "ferry/status:status.json")
	for _, want := range []string{`"reason": "UnsignedCandidate"`, `"result": "unsigned"`, why} {
		if !strings.Contains(data, want) {
			w.t.Errorf("status.json lacks %q:\n%s", want, data)
		}
	}
	if signer != "" && !strings.Contains(data, `"signer": "`+signer) {
		w.t.Errorf("status.json does not name the signer %q:\n%s", signer, data)
	}
	note := w.git("log", "-1", "--notes=ferry", "--format=%N", "main")
	if !strings.Contains(note, "production requires a candidate signed by an allowed signer: "+why) {
		w.t.Errorf("candidate's note:\n%s", note)
	}
	if !slices.Contains(w.notes.events(), "unsigned-candidate production") {
		w.t.Errorf("notifications = %q, want unsigned-candidate production", w.notes.events())
	}
}

func TestVerifySignedCandidates(t *testing.T) {
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	mallory := gittest.SSHSigningKey(t, "mallory@example.com")
	bob := gittest.PGPSigningKey(t, "Bob", "bob@example.com")
	eve := gittest.PGPSigningKey(t, "Eve", "eve@example.com")
	bump := func(img string) gittest.Files {
		return gittest.Files{"services/carts/pin.yaml": gittest.Text("image: " + img + "\n")}
	}
	signedBy := func(k gittest.SigningKey) func(w *world, img string) {
		return func(w *world, img string) { gittest.CommitSigned(t, w.dir, "main", "bump carts to "+img, bump(img), k) }
	}
	tests := []struct {
		name   string
		commit func(w *world, img string)
		why    string // empty when production gets it
		signer string
	}{
		{name: "ssh, allowed", commit: signedBy(alice), signer: "alice@example.com (ssh key "},
		{name: "openpgp, allowed", commit: signedBy(bob), signer: "Bob \\u003cbob@example.com\\u003e (openpgp key "},
		{name: "unsigned", commit: func(w *world, img string) { w.bump(img) }, why: "the commit is not signed"},
		{name: "ssh, not allowed", commit: signedBy(mallory), why: "signed by a key that is not allowed: ssh key SHA256:", signer: "ssh key SHA256:"},
		{name: "openpgp, not allowed", commit: signedBy(eve), why: "signed by a key that is not allowed: openpgp key ", signer: "openpgp key "},
		{name: "signature of another commit", why: "the signature does not verify: ssh key SHA256:", signer: "ssh key SHA256:", commit: func(w *world, img string) {
			signed := gittest.CommitSigned(t, w.dir, "elsewhere", "bump carts to "+img, bump(img), alice)
			w.git("update-ref", "refs/heads/main", graftSignature(t, w.dir, signed, w.bump(img)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newVerifyWorld(t, alice, bob)
			tt.commit(w, "carts:0.11.2")
			w.settle(time.Hour)
			if tt.why != "" {
				w.checkStopped("carts:0.11.2", tt.why, tt.signer)
				return
			}
			for _, stage := range []string{"dev", "staging", "production"} {
				if img := w.image(stage); img != "carts:0.11.2" {
					t.Errorf("%s runs %q, want the signed carts:0.11.2", stage, img)
				}
			}
			if data := w.git("show", "ferry/status:status.json"); !strings.Contains(data, `"signer": "`+tt.signer) {
				t.Errorf("status.json does not name the signer %q:\n%s", tt.signer, data)
			}
		})
	}
}

// graftSignature writes a commit with the content of onto and the
// signature of signed, and returns it.
func graftSignature(tb testing.TB, dir, signed, onto string) string {
	tb.Helper()
	_, sig, _ := signing.SplitCommit([]byte(gittest.Git(tb, dir, "cat-file", "commit", signed) + "\n"))
	header, body, _ := strings.Cut(gittest.Git(tb, dir, "cat-file", "commit", onto)+"\n", "\n\n")
	lines := strings.Split(strings.TrimSuffix(string(sig), "\n"), "\n")
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Dir, cmd.Env = dir, gittest.Env()
	cmd.Stdin = strings.NewReader(header + "\ngpgsig " + strings.Join(lines, "\n ") + "\n\n" + body)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestSignedPassVerifiesWithGit runs passes with a signing key and checks
// every commit ferry wrote with git verify-commit.
func TestSignedPassVerifiesWithGit(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  func(t *testing.T) gittest.SigningKey
	}{
		{"ssh", func(t *testing.T) gittest.SigningKey { return gittest.SSHSigningKey(t, "ferry@example.com") }},
		{"openpgp", func(t *testing.T) gittest.SigningKey { return gittest.PGPSigningKey(t, "ferry", "ferry@example.com") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := tt.key(t)
			key, err := signing.Load(k.Private)
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, "promote.txtar")
			signed, err := gitstore.Open(gitstore.Options{URL: w.srv.URL, Dir: filepath.Join(t.TempDir(), "signed"), Signer: key})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = signed.Close() })
			w.rec = w.withOptions(func(o *reconciler.Options) { o.Store = signed })
			w.settle(time.Hour)
			w.bump("carts:0.11.2")
			w.settle(time.Hour)
			commits := strings.Fields(w.git("rev-list", "stage/dev", "stage/staging", "stage/production", "ferry/status", "refs/notes/ferry", "--not", "main"))
			if len(commits) < 10 {
				t.Fatalf("ferry wrote %d commits, want more", len(commits))
			}
			config := gittest.VerifyConfig(t, k)
			for _, c := range commits {
				if _, err := gittest.TryGit(w.dir, append(config, "verify-commit", c)...); err != nil {
					t.Errorf("git verify-commit %s: %v", c, err)
				}
			}
			// A key git does not know: verify-commit fails, so the check above
			// is not vacuous.
			other := gittest.VerifyConfig(t, tt.key(t))
			if _, err := gittest.TryGit(w.dir, append(other, "verify-commit", commits[0])...); err == nil {
				t.Errorf("git verify-commit %s passed with another key", commits[0])
			}
			w.git("fsck", "--full")
		})
	}
}
