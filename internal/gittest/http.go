package gittest

import (
	"crypto/subtle"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// HTTPServer serves bare repositories below Root with git http-backend, the
// reference smart-HTTP server, through net/http/cgi.
type HTTPServer struct {
	// Root is the directory holding the served repositories.
	Root string
	// URL is the server's base URL.
	URL string
}

// BasicAuth are credentials an [HTTPServer] requires of every request.
type BasicAuth struct{ User, Password string }

// NewHTTPServer serves the bare repository dir at URL + "/" + its base name.
// Pushes are allowed (http.receivepack). With auth set, requests without
// those credentials get 401.
func NewHTTPServer(tb testing.TB, dir string, auth *BasicAuth) (*HTTPServer, string) {
	tb.Helper()
	backend := HTTPBackendPath(tb)
	Git(tb, dir, "config", "http.receivepack", "true")
	root := filepath.Dir(dir)
	h := &cgi.Handler{
		Path: backend,
		Root: "/",
		Env:  append(Env(), "GIT_PROJECT_ROOT="+root, "GIT_HTTP_EXPORT_ALL=1"),
		// The backend's own messages ("cannot lock ref ...") go to the test log.
		Stderr: logWriter{tb},
	}
	var handler http.Handler = h
	if auth != nil {
		handler = requireAuth(*auth, h)
	}
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	s := &HTTPServer{Root: root, URL: srv.URL}
	return s, srv.URL + "/" + filepath.Base(dir)
}

func requireAuth(want BasicAuth, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u+":"+p), []byte(want.User+":"+want.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HTTPBackendPath returns the path of git-http-backend, failing the test
// when it is not installed.
func HTTPBackendPath(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		tb.Fatalf("git --exec-path: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
}

type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Logf("git http-backend: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}
