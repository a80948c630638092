package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Kinds of forge.
const (
	GitHub = "github"
	GitLab = "gitlab"
	Gitea  = "gitea"
)

// Options configure a forge client.
type Options struct {
	// Kind is github, gitlab or gitea.
	Kind string
	// API is the API base URL: https://api.github.com,
	// https://gitlab.example.com/api/v4, https://gitea.example.com/api/v1.
	API string
	// Repo is owner/name (GitLab: the project's full path).
	Repo string
	// TokenFile holds the access token; it is read for every request.
	TokenFile string
	// Timeout bounds each request. Default 30s.
	Timeout time.Duration
}

// Validate fills defaults and reports every problem at once.
func (o *Options) Validate() error {
	var errs []error
	switch o.Kind {
	case GitHub, GitLab, Gitea:
	default:
		errs = append(errs, fmt.Errorf("forge kind %q: want github, gitlab or gitea", o.Kind))
	}
	if o.API == "" {
		errs = append(errs, errors.New("forge api url: must not be empty"))
	}
	if !strings.Contains(o.Repo, "/") {
		errs = append(errs, fmt.Errorf("forge repo %q: want owner/name", o.Repo))
	}
	if o.TokenFile == "" {
		errs = append(errs, errors.New("forge token file: must not be empty"))
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return errors.Join(errs...)
}

// Client talks to one repository on one forge.
type Client struct {
	opts Options
	http *http.Client
}

// New returns a client.
func New(opts Options) (*Client, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Client{opts: opts, http: &http.Client{Timeout: opts.Timeout}}, nil
}

// Request is a pull request to open.
type Request struct {
	Head, Base  string // branch names, without refs/heads/
	Title, Body string
}

// PullRequest is a pull (merge) request as ferry tracks it.
type PullRequest struct {
	// Number is the number (GitHub, Gitea) or iid (GitLab).
	Number int
	URL    string
	// State is open, closed or merged.
	State string
	// MergedBy names who merged it, when the forge says.
	MergedBy string
}

// States.
const (
	StateOpen   = "open"
	StateClosed = "closed"
	StateMerged = "merged"
)

// Open opens a pull request.
func (c *Client) Open(ctx context.Context, r Request) (PullRequest, error) {
	var body any
	switch c.opts.Kind {
	case GitLab:
		body = map[string]string{"source_branch": r.Head, "target_branch": r.Base, "title": r.Title, "description": r.Body}
	default:
		body = map[string]string{"head": r.Head, "base": r.Base, "title": r.Title, "body": r.Body}
	}
	var resp prResponse
	if err := c.do(ctx, http.MethodPost, c.pullsPath(""), body, &resp, http.StatusCreated); err != nil {
		return PullRequest{}, fmt.Errorf("open pull request %s → %s: %w", r.Head, r.Base, err)
	}
	return resp.pullRequest(), nil
}

// Get reads a pull request's state.
func (c *Client) Get(ctx context.Context, number int) (PullRequest, error) {
	var resp prResponse
	if err := c.do(ctx, http.MethodGet, c.pullsPath(strconv.Itoa(number)), nil, &resp, http.StatusOK); err != nil {
		return PullRequest{}, fmt.Errorf("read pull request %d: %w", number, err)
	}
	return resp.pullRequest(), nil
}

func (c *Client) pullsPath(number string) string {
	var p string
	switch c.opts.Kind {
	case GitLab:
		p = "/projects/" + url.PathEscape(c.opts.Repo) + "/merge_requests"
	default:
		p = "/repos/" + c.opts.Repo + "/pulls"
	}
	if number != "" {
		p += "/" + number
	}
	return p
}

// prResponse holds the fields ferry reads from all three APIs.
type prResponse struct {
	Number   int    `json:"number"`
	IID      int    `json:"iid"`
	HTMLURL  string `json:"html_url"`
	WebURL   string `json:"web_url"`
	State    string `json:"state"`
	Merged   bool   `json:"merged"`
	MergedBy *struct {
		Login    string `json:"login"`
		Username string `json:"username"`
	} `json:"merged_by"`
}

func (r prResponse) pullRequest() PullRequest {
	pr := PullRequest{Number: r.Number, URL: r.HTMLURL}
	if r.IID != 0 {
		pr.Number, pr.URL = r.IID, r.WebURL
	}
	switch {
	case r.Merged || r.State == "merged":
		pr.State = StateMerged
	case r.State == "closed":
		pr.State = StateClosed
	default:
		pr.State = StateOpen
	}
	if r.MergedBy != nil {
		pr.MergedBy = r.MergedBy.Login
		if pr.MergedBy == "" {
			pr.MergedBy = r.MergedBy.Username
		}
	}
	return pr
}

func (c *Client) do(ctx context.Context, method, path string, in, out any, want int) error {
	tok, err := os.ReadFile(c.opts.TokenFile)
	if err != nil {
		return fmt.Errorf("read token file: %w", err)
	}
	token := strings.TrimSpace(string(tok))
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.opts.API, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.opts.Kind {
	case GitHub:
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	case GitLab:
		req.Header.Set("PRIVATE-TOKEN", token)
	case Gitea:
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %s", method, path, strings.ReplaceAll(err.Error(), token, "***"))
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	return nil
}
