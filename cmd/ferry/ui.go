package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// localNamespace is the namespace of the one project of ferry run --repo
// and ferry ui in the dashboard's addresses.
const localNamespace = "default"

func newUI() *cobra.Command {
	var (
		repo      repoFlags
		listen    string
		refresh   time.Duration
		links     forge.Links
		logFormat string
	)
	cmd := &cobra.Command{
		Use:   "ui [--repo URL]",
		Short: "Browse a repository's delivery in the dashboard: the board, timelines, charts and problems, from Git alone",
		Long: `UI serves ferry's read-only dashboard of one repository on a local address:
the stage × service board, each service's timeline with the charts of its
quality gates, the problems and the actions taken — read from ferry/status,
the stage branches and the notes. It fetches the repository every --refresh
and the pages update when a ref moves. No running ferry is needed.

Commits and pull requests become links with --commit-url and --pull-url
("{sha}" and "{number}" are replaced).

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in.`,
		Example: `  # The demo's repository
  ferry ui --repo /tmp/ferry-demo-123/sockshop.git

  # A repository on GitHub, commits linked
  ferry ui --repo https://github.com/acme/delivery.git \
    --commit-url 'https://github.com/acme/delivery/commit/{sha}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, 0)
			if err != nil {
				return err
			}
			s, _, cleanup, err := repo.fetchReport(cmd.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			p := localProject(s, links)
			d := dashboard.New(dashboard.Options{
				Projects: func() []dashboard.Project { return []dashboard.Project{p} },
				Refresh:  refresh, Fetch: true, Log: log.WithName("dashboard"),
			})
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("listen: %w", err)}
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "ferry ui: %s at %s\n", s.URL(), projectURL(ln.Addr(), p))
			return serveUntilDone(cmd.Context(), ln, d, d)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve the dashboard on")
	cmd.Flags().DurationVar(&refresh, "refresh", 2*time.Second, "how often to fetch the repository")
	cmd.Flags().StringVar(&links.Commit, "commit-url", "", "URL template of a commit on the forge, {sha} replaced")
	cmd.Flags().StringVar(&links.Pull, "pull-url", "", "URL template of a pull request on the forge, {number} replaced")
	cmd.Flags().StringVar(&logFormat, "log-format", logText, "log format: text or json")
	repo.bindReport(cmd.Flags())
	cmd.Flags().Lookup("state-dir").Usage = "directory for the repository's mirror (default: one kept in the user's cache directory, shared with ferry status and history)"
	return cmd
}

// localProject is the one project of a repository in the dashboard:
// namespace default, named after the repository.
func localProject(s *gitstore.Store, links forge.Links) dashboard.Project {
	return dashboard.Project{Namespace: localNamespace, Name: projectName(s.URL()), Store: s, CommitURL: links.Commit, PullURL: links.Pull}
}

// projectName is a repository's base name without .git, in the
// characters a Kubernetes name allows.
func projectName(repoURL string) string {
	base := strings.TrimSuffix(path.Base(strings.TrimRight(repoURL, "/")), ".git")
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, base)
	if name = strings.Trim(name, "-."); name == "" {
		return "project"
	}
	return name
}

// projectURL is the address of a project's board on a listener.
func projectURL(addr net.Addr, p dashboard.Project) string {
	return fmt.Sprintf("http://%s/projects/%s/%s", addr, p.Namespace, p.Name)
}

// serveUntilDone serves h on ln until ctx ends, then shuts the server
// down, ending the dashboard's event streams first.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, d *dashboard.Server) error {
	srv := ingress.NewServer(ln.Addr().String(), h)
	srv.RegisterOnShutdown(d.Close)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return &exitError{code: exitFailed, err: err}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
