package gitstore_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestSSHFetchAndPushWithKnownHosts(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitTxtar(t, dir, "main", "testdata/project.txtar")
	srv := gittest.NewSSHServer(t, filepath.Dir(dir))
	url := srv.URL(filepath.Base(dir))

	s := openStore(t, url, func(o *gitstore.Options) {
		o.Auth.SSHKeyFile, o.Auth.KnownHostsFile = srv.KeyFile, srv.KnownHosts
	})
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)
	c, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "deploy over ssh", Edits: []gitstore.Edit{gitstore.Put("a", []byte("1"))}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatalf("push over ssh: %v", err)
	}
	if got := gittest.Git(t, dir, "rev-parse", "stage/dev"); got != c.String() {
		t.Errorf("stage/dev = %s, want %s", got, c)
	}
}

func TestSSHRefusesUnknownHostKey(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitTxtar(t, dir, "main", "testdata/project.txtar")
	srv := gittest.NewSSHServer(t, filepath.Dir(dir))
	other := gittest.NewSSHServer(t, filepath.Dir(dir)) // a different host key
	// known_hosts names srv's address with other's key: a man in the middle.
	wrong := filepath.Join(t.TempDir(), "known_hosts")
	line, err := os.ReadFile(other.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := strings.Cut(string(line), " ")
	host, port, _ := net.SplitHostPort(srv.Addr)
	if err := os.WriteFile(wrong, []byte("["+host+"]:"+port+" "+key), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		auth gitstore.AuthOptions
		want string
	}{
		"host key mismatch": {gitstore.AuthOptions{SSHKeyFile: srv.KeyFile, KnownHostsFile: wrong}, "key mismatch"},
		"no known_hosts":    {gitstore.AuthOptions{SSHKeyFile: srv.KeyFile}, "known_hosts"},
		"wrong client key":  {gitstore.AuthOptions{SSHKeyFile: other.KeyFile, KnownHostsFile: srv.KnownHosts}, "unable to authenticate"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := openStore(t, srv.URL(filepath.Base(dir)), func(o *gitstore.Options) { o.Auth = tt.auth })
			_, err := s.Fetch(context.Background())
			if !gitstore.IsAuth(err) || !strings.Contains(err.Error(), tests[name].want) {
				t.Fatalf("fetch = %v, want an auth error mentioning %q", err, tests[name].want)
			}
		})
	}
}
