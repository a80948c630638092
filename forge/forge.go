package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	// Retries is how many times a request the forge answered with a 5xx,
	// or with Gitea's 405 "Please try again later" (a merge asked for
	// while the new request's mergeability is still being checked), is
	// tried again. Default [DefaultRetries]; negative for none.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// next one. Default [DefaultBackoff].
	Backoff time.Duration
}

// Defaults for [Options].
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 3
	DefaultBackoff = time.Second
)

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
		o.Timeout = DefaultTimeout
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
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

// Open opens a pull request from r.Head into r.Base, or returns the one
// already open for that pair: it looks for one first, and a create the
// forge refuses because one exists (GitHub 422, GitLab and Gitea 409) is
// answered by looking again. Opening is idempotent.
func (c *Client) Open(ctx context.Context, r Request) (PullRequest, error) {
	if pr, ok, err := c.Find(ctx, r.Head, r.Base); err != nil {
		return PullRequest{}, fmt.Errorf("open pull request %s → %s: %w", r.Head, r.Base, err)
	} else if ok {
		return pr, nil
	}
	var body any
	switch c.opts.Kind {
	case GitLab:
		body = map[string]string{"source_branch": r.Head, "target_branch": r.Base, "title": r.Title, "description": r.Body}
	default:
		body = map[string]string{"head": r.Head, "base": r.Base, "title": r.Title, "body": r.Body}
	}
	var resp prResponse
	err := c.doRetrying(ctx, http.MethodPost, c.pullsPath(""), body, &resp, headNotYetKnown)
	if IsAlreadyOpen(err) {
		if pr, ok, ferr := c.Find(ctx, r.Head, r.Base); ferr == nil && ok {
			return pr, nil
		}
	}
	if err != nil {
		return PullRequest{}, fmt.Errorf("open pull request %s → %s: %w", r.Head, r.Base, err)
	}
	return resp.pullRequest(), nil
}

// headNotYetKnown is retryable, and also a 404: Gitea records a pushed
// branch in the background, so opening a pull request right after the push
// can answer that the head does not exist until it has.
func headNotYetKnown(e *APIError) bool {
	return e.retryable() || e.Status == http.StatusNotFound
}

// Get reads a pull request's state.
func (c *Client) Get(ctx context.Context, number int) (PullRequest, error) {
	var resp prResponse
	if err := c.do(ctx, http.MethodGet, c.pullsPath(strconv.Itoa(number)), nil, &resp); err != nil {
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
	Number  int    `json:"number"`
	IID     int    `json:"iid"`
	HTMLURL string `json:"html_url"`
	WebURL  string `json:"web_url"`
	State   string `json:"state"`
	Merged  bool   `json:"merged"`
	Title   string `json:"title"`
	// SHA is the head commit on GitLab; Head.SHA on GitHub and Gitea.
	SHA string `json:"sha"`
	// Head and Base name the branches (GitHub, Gitea); SourceBranch and
	// TargetBranch (GitLab).
	Head         *branchRef `json:"head"`
	Base         *branchRef `json:"base"`
	SourceBranch string     `json:"source_branch"`
	TargetBranch string     `json:"target_branch"`
	MergedBy     *struct {
		Login    string `json:"login"`
		Username string `json:"username"`
	} `json:"merged_by"`
}

type branchRef struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

// branches returns the head and base branch names of any of the APIs.
func (r prResponse) branches() (head, base string) {
	head, base = r.SourceBranch, r.TargetBranch
	if r.Head != nil {
		head = r.Head.Ref
	}
	if r.Base != nil {
		base = r.Base.Ref
	}
	return head, base
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
