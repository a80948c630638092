package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// giteaPageSize is the page size of Gitea's pull request list, and
// giteaMaxPages how many pages Find reads at most.
const (
	giteaPageSize = 50
	giteaMaxPages = 20
)

// Find returns the open pull request from head into base, if there is one.
// GitHub and GitLab filter by branches; Gitea lists the open requests
// (filtered by base_branch where the version knows it) and ferry picks the
// one whose branches match.
func (c *Client) Find(ctx context.Context, head, base string) (PullRequest, bool, error) {
	var list []prResponse
	var err error
	switch c.opts.Kind {
	case GitHub:
		owner, _, _ := strings.Cut(c.opts.Repo, "/")
		q := url.Values{"head": {owner + ":" + head}, "base": {base}, "state": {"open"}}
		err = c.do(ctx, http.MethodGet, c.pullsPath("")+"?"+q.Encode(), nil, &list)
	case GitLab:
		q := url.Values{"source_branch": {head}, "target_branch": {base}, "state": {"opened"}}
		err = c.do(ctx, http.MethodGet, c.pullsPath("")+"?"+q.Encode(), nil, &list)
	default:
		for page := 1; page <= giteaMaxPages; page++ {
			var got []prResponse
			q := url.Values{"state": {"open"}, "base_branch": {base}, "limit": {strconv.Itoa(giteaPageSize)}, "page": {strconv.Itoa(page)}}
			if err = c.do(ctx, http.MethodGet, c.pullsPath("")+"?"+q.Encode(), nil, &got); err != nil {
				break
			}
			list = append(list, got...)
			if len(got) < giteaPageSize {
				break
			}
		}
	}
	if err != nil {
		return PullRequest{}, false, fmt.Errorf("find the pull request %s → %s: %w", head, base, err)
	}
	for _, r := range list {
		h, b := r.branches()
		if pr := r.pullRequest(); h == head && b == base && pr.State == StateOpen {
			return pr, true, nil
		}
	}
	return PullRequest{}, false, nil
}

// Merge merges an open pull request with a merge commit, so that the
// proposal's commit, and its Ferry-Run trailer, reach the base branch as
// they are. message is the merge commit's title.
func (c *Client) Merge(ctx context.Context, number int, message string) error {
	n := strconv.Itoa(number)
	var err error
	switch c.opts.Kind {
	case GitHub:
		err = c.do(ctx, http.MethodPut, c.pullsPath(n)+"/merge", map[string]string{"merge_method": "merge", "commit_title": message}, nil)
	case GitLab:
		err = c.do(ctx, http.MethodPut, c.pullsPath(n)+"/merge", map[string]string{"merge_commit_message": message}, nil)
	default:
		err = c.do(ctx, http.MethodPost, c.pullsPath(n)+"/merge", map[string]string{"Do": "merge", "MergeTitleField": message}, nil)
	}
	if err != nil {
		return fmt.Errorf("merge pull request %d: %w", number, err)
	}
	return nil
}

// Close closes a pull request without merging it.
func (c *Client) Close(ctx context.Context, number int) (PullRequest, error) {
	var resp prResponse
	var err error
	switch c.opts.Kind {
	case GitLab:
		err = c.do(ctx, http.MethodPut, c.pullsPath(strconv.Itoa(number)), map[string]string{"state_event": "close"}, &resp)
	default:
		err = c.do(ctx, http.MethodPatch, c.pullsPath(strconv.Itoa(number)), map[string]string{"state": "closed"}, &resp)
	}
	if err != nil {
		return PullRequest{}, fmt.Errorf("close pull request %d: %w", number, err)
	}
	return resp.pullRequest(), nil
}

// Comment adds a comment to a pull request.
func (c *Client) Comment(ctx context.Context, number int, text string) error {
	_, err := c.AddComment(ctx, number, text)
	return err
}

// AddComment adds a comment to a pull request and returns it.
func (c *Client) AddComment(ctx context.Context, number int, text string) (Comment, error) {
	var cm Comment
	if err := c.do(ctx, http.MethodPost, c.commentsPath(number, 0), map[string]string{"body": text}, &cm); err != nil {
		return Comment{}, fmt.Errorf("comment on pull request %d: %w", number, err)
	}
	return cm, nil
}

// User returns the name of the account the token acts as (GET /user on
// all three forges).
func (c *Client) User(ctx context.Context) (string, error) {
	var u struct {
		Login    string `json:"login"`
		Username string `json:"username"`
	}
	if err := c.do(ctx, http.MethodGet, "/user", nil, &u); err != nil {
		return "", fmt.Errorf("read the token's user: %w", err)
	}
	if u.Login != "" {
		return u.Login, nil
	}
	return u.Username, nil
}
