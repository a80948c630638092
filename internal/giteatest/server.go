package giteatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
)

// Version is the Gitea version hack/gitea.sh builds.
const Version = "v1.26.0"

// Timeouts of a server's life.
const (
	// DefaultStartTimeout bounds the wait for /api/healthz.
	DefaultStartTimeout = 60 * time.Second
	// DefaultStopTimeout bounds the graceful stop before the process is killed.
	DefaultStopTimeout = 10 * time.Second
)

// Server is a running Gitea.
type Server struct {
	// URL is the web and Git base URL, http://127.0.0.1:<port>, without a
	// trailing slash.
	URL string
	// API is the API base URL (URL + "/api/v1"), for forge.Options.API.
	API string
	// Admin is the site administrator; it owns the repositories
	// [Server.CreateRepo] creates.
	Admin User
	// Dir is the work directory: app.ini, the SQLite database, the
	// repositories and gitea.log (the server's output).
	Dir string

	bin    string
	static string
	http   *http.Client
}

// User is a Gitea user and an access token of scope "all".
type User struct {
	Name, Password, Email string
	Token                 string
	// TokenFile holds Token, for forge.Options.TokenFile.
	TokenFile string
}

// Binary returns the path of the Gitea binary: $FERRY_GITEA, or else the
// one hack/gitea.sh caches. The test skips when it is missing, and fails
// under CI (CI set).
func Binary(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("FERRY_GITEA")
	if p == "" {
		p = cachedBinary()
	}
	if _, err := os.Stat(p); err != nil {
		msg := fmt.Sprintf("gitea binary: %v; build it with hack/gitea.sh (or set FERRY_GITEA)", err)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return p
}

// cachedBinary is where hack/gitea.sh builds Gitea.
func cachedBinary() string {
	return filepath.Join(e2e.ToolsDir(), "gitea-"+Version, "gitea")
}

// Start starts Gitea with a fresh work directory and an admin user, and
// waits until it is healthy. It is stopped when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary(tb)
	static := filepath.Dir(bin)
	if _, err := os.Stat(filepath.Join(static, "options")); err != nil {
		tb.Fatalf("gitea %s: its options directory must be beside it (hack/gitea.sh copies it): %v", bin, err)
	}
	dir := tb.TempDir()
	addr := e2e.FreeAddr(tb)
	s := &Server{
		URL:    "http://" + addr,
		API:    "http://" + addr + "/api/v1",
		Dir:    dir,
		bin:    bin,
		static: static,
		http:   &http.Client{Timeout: 30 * time.Second},
	}
	s.writeConfig(tb, addr)
	s.run(tb, "migrate")
	s.Admin = User{Name: "ferry-admin", Password: "admin-password-1", Email: "admin@example.com"}
	out := s.run(tb, "admin", "user", "create", "--admin", "--must-change-password=false",
		"--username", s.Admin.Name, "--password", s.Admin.Password, "--email", s.Admin.Email,
		"--access-token", "--access-token-name", "test", "--access-token-scopes", "all")
	s.Admin.Token = tokenFromOutput(tb, out)
	s.Admin.TokenFile = s.writeToken(tb, s.Admin)
	s.serve(tb)
	return s
}

// tokenFromOutput reads the token from "Access token was successfully
// created... <token>".
func tokenFromOutput(tb testing.TB, out string) string {
	tb.Helper()
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); strings.HasPrefix(line, "Access token") && len(f) > 0 {
			return f[len(f)-1]
		}
	}
	tb.Fatalf("gitea admin user create: no access token in its output:\n%s", out)
	return ""
}

func (s *Server) writeToken(tb testing.TB, u User) string {
	tb.Helper()
	p := filepath.Join(s.Dir, "tokens", u.Name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(u.Token+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// config is app.ini; see the package documentation.
var config = template.Must(template.New("app.ini").Parse(`APP_NAME = ferry test
RUN_MODE = prod
WORK_PATH = {{.Dir}}

[server]
PROTOCOL = http
HTTP_ADDR = {{.Host}}
HTTP_PORT = {{.Port}}
DOMAIN = {{.Host}}
ROOT_URL = http://{{.Host}}:{{.Port}}/
STATIC_ROOT_PATH = {{.Static}}
APP_DATA_PATH = {{.Dir}}/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false
GRACEFUL_HAMMER_TIME = 3s

[database]
DB_TYPE = sqlite3
PATH = {{.Dir}}/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = {{.Dir}}/repositories
DEFAULT_BRANCH = main

[repository.signing]
SIGNING_KEY = none

[security]
INSTALL_LOCK = true
SECRET_KEY = ferry-test-secret
INTERNAL_TOKEN = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE0OTI3OTU5ODN9.OQkH5UmzID2XBdwQ9TAI6Jj2t1X-wElVTjbE7aoN4I8
DISABLE_QUERY_AUTH_TOKEN = true

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false
DEFAULT_KEEP_EMAIL_PRIVATE = false
NO_REPLY_ADDRESS = noreply.example.com

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[queue]
TYPE = channel

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[webhook]
ALLOWED_HOST_LIST = *
DELIVER_TIMEOUT = 10

[migrations]
ALLOW_LOCALNETWORKS = true

[actions]
ENABLED = false

[packages]
ENABLED = false

[cron]
ENABLED = false

[cron.update_checker]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
`))

func (s *Server) writeConfig(tb testing.TB, addr string) {
	tb.Helper()
	host, port, _ := net.SplitHostPort(addr)
	var b bytes.Buffer
	if err := config.Execute(&b, map[string]string{"Dir": s.Dir, "Host": host, "Port": port, "Static": s.static}); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(s.configPath(), b.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func (s *Server) configPath() string { return filepath.Join(s.Dir, "app.ini") }

// command is gitea with the server's configuration and environment.
func (s *Server) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"--config", s.configPath(), "--work-path", s.Dir}, args...)...)
	cmd.Dir = s.Dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(s.Dir, "home"),
		"USER=" + os.Getenv("USER"),
		"TMPDIR=" + os.TempDir(),
		"LANG=C", "LC_ALL=C",
	}
	if os.Geteuid() == 0 {
		cmd.Env = append(cmd.Env, "GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true")
	}
	return cmd
}

// run runs a gitea command to completion and returns its output.
func (s *Server) run(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	out, err := s.command(ctx, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("gitea %s: %v\n%s", args[0], err, out)
	}
	return string(out)
}

// serve starts gitea web, waits for /api/healthz and registers its stop.
func (s *Server) serve(tb testing.TB) {
	tb.Helper()
	logPath := filepath.Join(s.Dir, "gitea.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := s.command(context.Background(), "web")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start gitea web: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(DefaultStopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
		if tb.Failed() {
			tb.Logf("gitea.log:\n%s", tail(logPath))
		}
	})

	deadline := time.Now().Add(DefaultStartTimeout)
	for {
		select {
		case <-exited:
			tb.Fatalf("gitea web exited: %v\n%s", waitErr, tail(logPath))
		default:
		}
		if err := s.healthy(); err == nil {
			return
		} else if time.Now().After(deadline) {
			tb.Fatalf("gitea web at %s: not healthy after %s: %v\n%s", s.URL, DefaultStartTimeout, err, tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) healthy() error {
	resp, err := s.http.Get(s.URL + "/api/healthz")
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// tail returns the end of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
