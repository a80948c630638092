package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// APIError is a forge's answer other than success.
type APIError struct {
	Method, Path string
	// Status is the HTTP status code; Body the start of the answer.
	Status     int
	StatusText string
	Body       string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.Path, e.StatusText, e.Body)
}

// IsAlreadyOpen reports whether err is a forge refusing to open a pull
// request because one is open for the same branches: GitHub answers 422
// ("A pull request already exists"), GitLab and Gitea 409.
func IsAlreadyOpen(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Status == http.StatusUnprocessableEntity || ae.Status == http.StatusConflict)
}

// retryable reports whether an answer may change by itself: a server
// error, or Gitea's 405 "Please try again later" while it checks whether a
// new pull request can be merged.
func (e *APIError) retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusMethodNotAllowed && strings.Contains(strings.ToLower(e.Body), "try again later")
}

// do sends a request and decodes a 2xx answer into out (when out is not
// nil). Answers that may change by themselves are tried again, opts.Retries
// times at most, with a doubling backoff that ends with ctx.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doRetrying(ctx, method, path, in, out, (*APIError).retryable)
}

// doRetrying is do with its own test of which answers may change by
// themselves.
func (c *Client) doRetrying(ctx context.Context, method, path string, in, out any, retryable func(*APIError) bool) error {
	wait := c.opts.Backoff
	for attempt := 0; ; attempt++ {
		err := c.send(ctx, method, path, in, out)
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || !retryable(ae) || attempt >= c.opts.Retries {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retry: %w)", err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
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
		msg := err.Error()
		if token != "" {
			msg = strings.ReplaceAll(msg, token, "***")
		}
		return fmt.Errorf("%s %s: %s", method, path, msg)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		text := strings.TrimSpace(string(data))
		if len(text) > 512 {
			text = text[:512] + "…"
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, StatusText: resp.Status, Body: text}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	return nil
}
