package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// listPageSize is the page size of the lists ferry reads, and
// listMaxPages how many pages it reads at most.
const (
	listPageSize = 50
	listMaxPages = 20
)

// Change is an open pull request into a branch: what a plan of it needs.
type Change struct {
	Number int
	URL    string
	Title  string
	// Head is the source branch; HeadSHA the commit it points to.
	Head, HeadSHA string
	// Ref holds the head commit in the repository itself, also for a
	// request from a fork: refs/pull/N/head (GitHub, Gitea) or
	// refs/merge-requests/N/head (GitLab).
	Ref string
}

// OpenInto lists the open pull requests into base (a branch name).
func (c *Client) OpenInto(ctx context.Context, base string) ([]Change, error) {
	var out []Change
	for page := 1; page <= listMaxPages; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}}
		switch c.opts.Kind {
		case GitHub:
			q.Set("state", "open")
			q.Set("base", base)
			q.Set("per_page", strconv.Itoa(listPageSize))
		case GitLab:
			q.Set("state", "opened")
			q.Set("target_branch", base)
			q.Set("per_page", strconv.Itoa(listPageSize))
		default:
			q.Set("state", "open")
			q.Set("base_branch", base)
			q.Set("limit", strconv.Itoa(listPageSize))
		}
		var got []prResponse
		if err := c.do(ctx, http.MethodGet, c.pullsPath("")+"?"+q.Encode(), nil, &got); err != nil {
			return nil, fmt.Errorf("list the pull requests into %s: %w", base, err)
		}
		for _, r := range got {
			if _, b := r.branches(); b == base && r.pullRequest().State == StateOpen {
				out = append(out, r.change(c.opts.Kind))
			}
		}
		if len(got) < listPageSize {
			break
		}
	}
	return out, nil
}

func (r prResponse) change(kind string) Change {
	pr := r.pullRequest()
	ch := Change{Number: pr.Number, URL: pr.URL, Title: r.Title, HeadSHA: r.SHA}
	ch.Head, _ = r.branches()
	if r.Head != nil {
		ch.HeadSHA = r.Head.SHA
	}
	if kind == GitLab {
		ch.Ref = fmt.Sprintf("refs/merge-requests/%d/head", pr.Number)
	} else {
		ch.Ref = fmt.Sprintf("refs/pull/%d/head", pr.Number)
	}
	return ch
}

// Comment is a comment on a pull request.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	// URL links to the comment (GitHub and Gitea say; GitLab's is made
	// from the merge request's).
	URL string `json:"html_url"`
	// User (GitHub, Gitea) or Author (GitLab) wrote it.
	User   *account `json:"user,omitempty"`
	Author *account `json:"author,omitempty"`
}

type account struct {
	Login    string `json:"login"`
	Username string `json:"username"`
}

// By returns the name of the account that wrote the comment.
func (c Comment) By() string {
	for _, a := range []*account{c.User, c.Author} {
		if a != nil && a.Login != "" {
			return a.Login
		}
		if a != nil && a.Username != "" {
			return a.Username
		}
	}
	return ""
}

// FindComment returns the first comment on a pull request that author
// wrote and whose body starts with marker (such as an HTML comment only
// ferry writes): a comment of someone else that quotes the marker is not
// taken for ferry's.
func (c *Client) FindComment(ctx context.Context, number int, author, marker string) (Comment, bool, error) {
	for page := 1; page <= listMaxPages; page++ {
		p := c.commentsPath(number, 0)
		if c.opts.Kind != Gitea { // Gitea answers with every comment at once
			q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(listPageSize)}}
			if c.opts.Kind == GitLab {
				q.Set("sort", "asc")
			}
			p += "?" + q.Encode()
		}
		var got []Comment
		if err := c.do(ctx, http.MethodGet, p, nil, &got); err != nil {
			return Comment{}, false, fmt.Errorf("read the comments of pull request %d: %w", number, err)
		}
		for _, cm := range got {
			if strings.HasPrefix(cm.Body, marker) && cm.By() == author {
				return cm, true, nil
			}
		}
		if c.opts.Kind == Gitea || len(got) < listPageSize {
			break
		}
	}
	return Comment{}, false, nil
}

// EditComment replaces the body of a comment on a pull request.
func (c *Client) EditComment(ctx context.Context, number int, id int64, body string) error {
	method := http.MethodPatch
	if c.opts.Kind == GitLab {
		method = http.MethodPut
	}
	if err := c.do(ctx, method, c.commentsPath(number, id), map[string]string{"body": body}, nil); err != nil {
		return fmt.Errorf("edit comment %d on pull request %d: %w", id, number, err)
	}
	return nil
}

// commentsPath is where a pull request's comments are (id 0), or one of
// them. GitHub and Gitea keep them on the issue of the same number, and
// address one without the number.
func (c *Client) commentsPath(number int, id int64) string {
	if c.opts.Kind == GitLab {
		p := c.pullsPath(strconv.Itoa(number)) + "/notes"
		if id != 0 {
			p += "/" + strconv.FormatInt(id, 10)
		}
		return p
	}
	if id != 0 {
		return "/repos/" + c.opts.Repo + "/issues/comments/" + strconv.FormatInt(id, 10)
	}
	return "/repos/" + c.opts.Repo + "/issues/" + strconv.Itoa(number) + "/comments"
}

// StatusState is the state of a commit status.
type StatusState string

// Commit status states, as GitHub and Gitea name them (GitLab's "failed"
// is sent for StatusFailure).
const (
	StatusPending StatusState = "pending"
	StatusSuccess StatusState = "success"
	StatusFailure StatusState = "failure"
)

// Status is a commit status: a check's verdict on a commit.
type Status struct {
	State StatusState
	// Context names the check, such as ferry/plan.
	Context     string
	Description string
	TargetURL   string
	// Ref is the branch the commit is on; GitLab needs it to place a
	// status on a merge request's commit (the others ignore it).
	Ref string
}

// SetStatus sets a commit status on sha.
func (c *Client) SetStatus(ctx context.Context, sha string, s Status) error {
	body := map[string]string{"state": string(s.State), "context": s.Context, "description": s.Description}
	if s.TargetURL != "" {
		body["target_url"] = s.TargetURL
	}
	p := "/repos/" + c.opts.Repo + "/statuses/" + sha
	if c.opts.Kind == GitLab {
		p = "/projects/" + url.PathEscape(c.opts.Repo) + "/statuses/" + sha
		delete(body, "context")
		body["name"] = s.Context
		if s.Ref != "" {
			body["ref"] = s.Ref
		}
		if s.State == StatusFailure {
			body["state"] = "failed"
		}
	}
	if err := c.do(ctx, http.MethodPost, p, body, nil); err != nil {
		return fmt.Errorf("set status %s on %s: %w", s.Context, sha, err)
	}
	return nil
}
