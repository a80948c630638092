// Package ingress serves ferry's HTTP endpoints for one loop: health and
// readiness, /metrics, reports from test runners and external tasks at
// /api/v1/reports, push webhooks from GitHub, GitLab, Gitea and Bitbucket at
// /hooks/git, deploy signals from Flux and Argo CD at /hooks/flux and
// /hooks/argocd, and Alertmanager's webhook at /hooks/alertmanager. Every
// report is written to ferry/status before it is acknowledged.
package ingress
