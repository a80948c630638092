// Package ingress serves ferry's HTTP endpoints for one loop: health and
// readiness, /metrics, reports from test runners and external tasks at
// /api/v1/reports, Keptn's .started and .finished task events at
// /api/v1/events (see package event), push and pull request webhooks from
// GitHub, GitLab, Gitea and Bitbucket at /hooks/git, deploy signals from Flux and Argo CD
// at /hooks/flux and /hooks/argocd, and Alertmanager's webhook at
// /hooks/alertmanager. Every
// report is written to ferry/status before it is acknowledged; the alerts
// of one webhook are written in one commit.
//
// # Limits
//
// Request bodies are read before any handler runs, under a deadline
// (ServerOptions.BodyTimeout, [DefaultBodyTimeout]) and within a limit per
// endpoint ([MaxReportBody], [MaxGitHookBody], [MaxSignalBody],
// [MaxAlertBody]): a body sent too slowly gets 408 and its connection is
// closed, a body too large gets 413. [NewServer] bounds the rest of a
// request: headers, the response, idle connections.
package ingress
