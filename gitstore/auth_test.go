package gitstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

const secret = "s3cr3t-token-value"

func TestHTTPTokenFromFile(t *testing.T) {
	_, url := httpRemote(t, &gittest.BasicAuth{User: "git", Password: secret})
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, url, func(o *gitstore.Options) { o.Auth.PasswordFile = file })
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)
	if _, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("a", []byte("1"))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatalf("push with token: %v", err)
	}

	// A rotated secret is read again on the next operation.
	if err := os.WriteFile(file, []byte("wrong-token-now"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Fetch(context.Background()); !gitstore.IsAuth(err) {
		t.Errorf("fetch after rotation to a wrong token = %v, want an auth error", err)
	}
}

func TestHTTPTokenFromEnvironment(t *testing.T) {
	_, url := httpRemote(t, &gittest.BasicAuth{User: "git", Password: secret})
	t.Setenv("FERRY_TEST_GIT_TOKEN", secret)
	s := openStore(t, url, func(o *gitstore.Options) { o.Auth.PasswordEnv = "FERRY_TEST_GIT_TOKEN" })
	if snap := fetch(t, s).Snapshot; snap.Get(s.MainRef()).IsZero() {
		t.Fatal("fetch with a token from the environment found no main")
	}
	t.Setenv("FERRY_TEST_GIT_TOKEN", "")
	_, err := s.Fetch(context.Background())
	if !gitstore.IsAuth(err) || !strings.Contains(err.Error(), "FERRY_TEST_GIT_TOKEN") {
		t.Errorf("fetch with the variable unset = %v, want an auth error naming it", err)
	}
}

func TestAuthFailuresAreClassifiedAndRedacted(t *testing.T) {
	_, url := httpRemote(t, &gittest.BasicAuth{User: "git", Password: "the-right-one"})
	tests := []struct {
		name string
		url  string
		auth gitstore.AuthOptions
	}{
		{"no credentials", url, gitstore.AuthOptions{}},
		{"wrong token", url, gitstore.AuthOptions{Password: secret}},
		{"wrong token in url", strings.Replace(url, "http://", "http://git:"+secret+"@", 1), gitstore.AuthOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, tt.url, func(o *gitstore.Options) { o.Auth = tt.auth })
			_, err := s.Fetch(context.Background())
			if !gitstore.IsAuth(err) {
				t.Fatalf("fetch = %v, want an auth error", err)
			}
			if gitstore.IsTransient(err) {
				t.Errorf("auth error %v classified as transient", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
			if strings.Contains(s.URL(), secret) {
				t.Errorf("URL() leaks the secret: %s", s.URL())
			}
		})
	}
}

func TestUnreachableRemoteIsTransient(t *testing.T) {
	s := openStore(t, "http://git:"+secret+"@127.0.0.1:1/repo.git", func(o *gitstore.Options) { o.Timeout = 5e9 })
	_, err := s.Fetch(context.Background())
	if !gitstore.IsTransient(err) {
		t.Fatalf("fetch = %v, want a transient error", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the secret: %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"https://user:tok@example.com/org/repo.git": "https://example.com/org/repo.git",
		"https://tok@example.com/org/repo.git":      "https://example.com/org/repo.git",
		"https://example.com/org/repo.git":          "https://example.com/org/repo.git",
		"ssh://git@example.com:2222/org/repo.git":   "ssh://example.com:2222/org/repo.git",
		"git@example.com:org/repo.git":              "git@example.com:org/repo.git",
		"user:pw@example.com:org/repo.git":          "***@example.com:org/repo.git",
		"/srv/git/repo.git":                         "/srv/git/repo.git",
		"file:///srv/git/repo.git":                  "file:///srv/git/repo.git",
		// URLs that do not parse still lose their user information.
		"https://user:pa%zzss@example.com/repo.git":     "https://***@example.com/repo.git",
		"https://pa%zzss@example.com/repo.git":          "https://***@example.com/repo.git",
		"https://user:p@ss%zz@example.com/repo.git":     "https://***@example.com/repo.git",
		"https://user:pa/ss%zz@example.com/repo.git":    "https://***@example.com/repo.git",
		"https://user:pa%zzss@example.com:99999/r":      "https://***@example.com:99999/r",
		"HTTPS://user:pa%zzss@example.com/repo.git":     "HTTPS://***@example.com/repo.git",
		"https://user:pass@exa mple.com/repo.git":       "https://***@exa mple.com/repo.git",
		"https://user:pa%zzss@example.com/repo.git\n":   "https://***@example.com/repo.git\n",
		"https://user:pa%zzss@example.com/repo.git?x=1": "https://***@example.com/repo.git?x=1",
	}
	for in, want := range tests {
		if got := gitstore.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// A --repo URL that does not parse is refused without its password:
// url.Error quotes the whole URL and an EscapeError the bytes around the
// bad escape.
func TestOpenRefusesMalformedURLWithoutItsPassword(t *testing.T) {
	for _, u := range []string{
		"https://user:pa%zzss@example.com/repo.git",
		"https://pa%zzss@example.com/repo.git",
		"https://user:pass%zz@example.com:99999/repo.git",
		"https://user:pass%zz@exa mple.com/repo.git",
		"https://user:pass%zz@example.com/repo.git\n",
		"http://user:pass%zz@127.0.0.1:1/repo.git",
	} {
		_, err := gitstore.Open(gitstore.Options{URL: u, Dir: t.TempDir()})
		if err == nil {
			t.Errorf("Open(%q) succeeded, want an error", u)
			continue
		}
		for _, leak := range []string{"pa%zzss", "pass", "%zz"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("Open(%q) = %v: leaks %q", u, err, leak)
			}
		}
		if !strings.Contains(err.Error(), "***@") {
			t.Errorf("Open(%q) = %v: want the redacted URL", u, err)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	var o gitstore.Options
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "url") || !strings.Contains(err.Error(), "dir") {
		t.Fatalf("Validate() = %v, want errors for url and dir at once", err)
	}
	o = gitstore.Options{URL: "x\n", Dir: "y"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.URL != "x" {
		t.Errorf("URL = %q, want it trimmed", o.URL)
	}
	if o.Branch != "main" || o.StagePrefix != "stage/" || o.NotesRef != "refs/notes/ferry" {
		t.Errorf("defaults not filled: %+v", o)
	}
}
