package ingress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Request bodies are read before any handler runs, under a deadline and
// within a limit per endpoint, so that a slow or endless body never holds
// a connection (or the loop) for longer than the deadline.
const (
	// DefaultBodyTimeout bounds the reading of a request body, from the
	// end of its headers (ServerOptions.BodyTimeout).
	DefaultBodyTimeout = 10 * time.Second
	// MaxReportBody bounds a report to POST /api/v1/reports.
	MaxReportBody = 256 << 10
	// MaxGitHookBody bounds a push webhook to /hooks/git: GitHub and GitLab
	// deliver payloads of up to 25 MB (a push of many commits or branches
	// carries their messages and file lists), so a push is never lost to
	// the limit. The body is only read to check its signature.
	MaxGitHookBody = 25 << 20
	// MaxSignalBody bounds a deploy signal to /hooks/flux and
	// /hooks/argocd.
	MaxSignalBody = 256 << 10
	// MaxAlertBody bounds an Alertmanager webhook (hundreds of alerts with
	// their labels and annotations).
	MaxAlertBody = 4 << 20
)

// The limits [NewServer] sets.
const (
	// DefaultReadHeaderTimeout bounds the reading of request headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultWriteTimeout bounds a request from the end of its headers to
	// the end of its response: the body, recording a report on
	// ferry/status (a fetch and push) and writing the answer to a client
	// that may read slowly.
	DefaultWriteTimeout = 5 * time.Minute
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHeaderBytes bounds request headers.
	DefaultMaxHeaderBytes = 64 << 10
)

// NewServer returns the HTTP server ferry run serves h with on addr: every
// phase of a request is bounded (headers, body through [Handler], the
// response, idle keep-alive connections), so that slow clients cannot hold
// connections open.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
}

// bodyLimits are the body limits of the routes that read a body, by
// pattern.
var bodyLimits = map[string]int64{
	"POST /api/v1/reports":     MaxReportBody,
	"POST /api/v1/events":      MaxEventBody,
	"POST /hooks/git":          MaxGitHookBody,
	"POST /hooks/flux":         MaxSignalBody,
	"POST /hooks/argocd":       MaxSignalBody,
	"POST /hooks/alertmanager": MaxAlertBody,
}

// withBodies serves mux, reading the body of every request that has one
// first: under a read deadline of timeout, and within its route's limit
// (413 beyond it, 408 when the deadline passes). The deadline is lifted
// once the body is read, so that it never cuts the work that follows. A
// request to a route that reads no body keeps the deadline: the server
// drains the body under it, or closes the connection.
func withBodies(mux *http.ServeMux, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			mux.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		// Not every ResponseWriter supports deadlines (test recorders);
		// http.Server's does.
		_ = rc.SetReadDeadline(time.Now().Add(timeout))
		_, pattern := mux.Handler(r)
		limit, reads := bodyLimits[pattern]
		if !reads {
			mux.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &tooLarge):
				http.Error(w, fmt.Sprintf("the request body is over %d bytes", limit), http.StatusRequestEntityTooLarge)
			case errors.As(err, &ne) && ne.Timeout():
				w.Header().Set("Connection", "close")
				http.Error(w, fmt.Sprintf("the request body was not sent within %s", timeout), http.StatusRequestTimeout)
			default:
				http.Error(w, "read the request body", http.StatusBadRequest)
			}
			return
		}
		_ = rc.SetReadDeadline(time.Time{})
		r.Body = io.NopCloser(bytes.NewReader(body))
		mux.ServeHTTP(w, r)
	})
}
