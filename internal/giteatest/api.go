package giteatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Repo is a repository on the server.
type Repo struct {
	Owner, Name string
}

// FullName is owner/name, for forge.Options.Repo.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// Request sends an API request (path below [Server.API]) as user, with in,
// when not nil, as its JSON body, and returns the response's status and
// body. It authenticates with the user's token, or with the password when
// the user has none. The test fails only when no response comes.
func (s *Server) Request(tb testing.TB, as User, method, path string, in any) (int, []byte) {
	tb.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			tb.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(tb.Context(), method, s.API+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as.Token != "" {
		req.Header.Set("Authorization", "token "+as.Token)
	} else {
		req.SetBasicAuth(as.Name, as.Password)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		tb.Fatalf("gitea api %s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("gitea api %s %s: read response: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// Do is [Server.Request] for calls that must succeed: the test fails
// unless the status is want. The response is decoded into out when out is
// not nil.
func (s *Server) Do(tb testing.TB, as User, method, path string, in, out any, want int) {
	tb.Helper()
	status, data := s.Request(tb, as, method, path, in)
	if status != want {
		tb.Fatalf("gitea api %s %s as %s: status %d, want %d: %s", method, path, as.Name, status, want, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			tb.Fatalf("gitea api %s %s: read response: %v", method, path, err)
		}
	}
}

// CreateRepo creates an empty public repository owned by the admin, with
// default branch main.
func (s *Server) CreateRepo(tb testing.TB, name string) Repo {
	tb.Helper()
	in := map[string]any{"name": name, "default_branch": "main", "auto_init": false, "private": false}
	s.Do(tb, s.Admin, http.MethodPost, "/user/repos", in, nil, http.StatusCreated)
	return Repo{Owner: s.Admin.Name, Name: name}
}

// CloneURL is the repository's HTTP URL with the user's name and token as
// credentials, for the git command line.
func (s *Server) CloneURL(r Repo, as User) string {
	u, _ := url.Parse(s.URL + "/" + r.FullName() + ".git")
	u.User = url.UserPassword(as.Name, as.Token)
	return u.String()
}

// CreateUser creates a user (not an admin) with an access token of scope
// "all".
func (s *Server) CreateUser(tb testing.TB, name string) User {
	tb.Helper()
	u := User{Name: name, Password: name + "-password-1", Email: name + "@example.com"}
	in := map[string]any{"username": u.Name, "password": u.Password, "email": u.Email, "must_change_password": false}
	s.Do(tb, s.Admin, http.MethodPost, "/admin/users", in, nil, http.StatusCreated)
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	s.Do(tb, u, http.MethodPost, "/users/"+u.Name+"/tokens",
		map[string]any{"name": "test", "scopes": []string{"all"}}, &tok, http.StatusCreated)
	u.Token = tok.SHA1
	u.TokenFile = s.writeToken(tb, u)
	return u
}

// Permissions of a collaborator.
const (
	PermissionRead  = "read"
	PermissionWrite = "write"
	PermissionAdmin = "admin"
)

// AddCollaborator gives the user a permission on the repository.
func (s *Server) AddCollaborator(tb testing.TB, r Repo, u User, permission string) {
	tb.Helper()
	s.Do(tb, s.Admin, http.MethodPut, "/repos/"+r.FullName()+"/collaborators/"+u.Name,
		map[string]string{"permission": permission}, nil, http.StatusNoContent)
}

// OpenPullRequest opens a pull request from head to base (branch names) as
// the user and returns its number. Gitea records a pushed branch in the
// background, so right after a push it may answer 404; it retries that for
// up to [DefaultStartTimeout].
func (s *Server) OpenPullRequest(tb testing.TB, as User, r Repo, head, base, title string) int {
	tb.Helper()
	path := pullPath(r, 0, "")
	deadline := time.Now().Add(DefaultStartTimeout)
	for {
		status, data := s.Request(tb, as, http.MethodPost, path, map[string]string{"head": head, "base": base, "title": title})
		switch {
		case status == http.StatusCreated:
			var pr struct {
				Number int `json:"number"`
			}
			if err := json.Unmarshal(data, &pr); err != nil {
				tb.Fatalf("gitea api POST %s: %v", path, err)
			}
			return pr.Number
		case status == http.StatusNotFound && time.Now().Before(deadline):
			time.Sleep(100 * time.Millisecond)
		default:
			tb.Fatalf("gitea api POST %s as %s: status %d, want 201: %s", path, as.Name, status, bytes.TrimSpace(data))
		}
	}
}

// ApprovePullRequest approves the pull request as the user (who must not
// be its author).
func (s *Server) ApprovePullRequest(tb testing.TB, as User, r Repo, number int) {
	tb.Helper()
	s.Do(tb, as, http.MethodPost, pullPath(r, number, "reviews"),
		map[string]string{"event": "APPROVED", "body": "Approved."}, nil, http.StatusOK)
}

// MergePullRequest merges the pull request with a merge commit as the user.
// While Gitea still checks whether the pull request can be merged (its
// answer is 405 "Please try again later"), it retries for up to
// [DefaultStartTimeout].
func (s *Server) MergePullRequest(tb testing.TB, as User, r Repo, number int) {
	tb.Helper()
	path := pullPath(r, number, "merge")
	deadline := time.Now().Add(DefaultStartTimeout)
	for {
		status, data := s.Request(tb, as, http.MethodPost, path, map[string]string{"Do": "merge"})
		switch {
		case status == http.StatusOK:
			return
		case status == http.StatusMethodNotAllowed && bytes.Contains(data, []byte("try again later")) && time.Now().Before(deadline):
			time.Sleep(100 * time.Millisecond)
		default:
			tb.Fatalf("gitea api POST %s as %s: status %d, want 200: %s", path, as.Name, status, bytes.TrimSpace(data))
		}
	}
}

// ClosePullRequest closes the pull request without merging it.
func (s *Server) ClosePullRequest(tb testing.TB, as User, r Repo, number int) {
	tb.Helper()
	s.Do(tb, as, http.MethodPatch, pullPath(r, number, ""),
		map[string]string{"state": "closed"}, nil, http.StatusCreated)
}

func pullPath(r Repo, number int, sub string) string {
	p := "/repos/" + r.FullName() + "/pulls"
	if number != 0 {
		p += fmt.Sprintf("/%d", number)
	}
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// Comments returns the bodies of a pull request's comments, oldest first.
func (s *Server) Comments(tb testing.TB, r Repo, number int) []string {
	tb.Helper()
	var comments []struct {
		Body string `json:"body"`
	}
	s.Do(tb, s.Admin, http.MethodGet, fmt.Sprintf("/repos/%s/issues/%d/comments", r.FullName(), number), nil, &comments, http.StatusOK)
	bodies := make([]string, len(comments))
	for i, c := range comments {
		bodies[i] = c.Body
	}
	return bodies
}

// CommitStatus returns the state of a commit's status named context
// (success, failure, …), "" when there is none.
func (s *Server) CommitStatus(tb testing.TB, r Repo, sha, context string) string {
	tb.Helper()
	var statuses []struct {
		Context string `json:"context"`
		Status  string `json:"status"`
	}
	s.Do(tb, s.Admin, http.MethodGet, "/repos/"+r.FullName()+"/statuses/"+sha, nil, &statuses, http.StatusOK)
	for _, st := range statuses {
		if st.Context == context {
			return st.Status
		}
	}
	return ""
}
