// Package notify tells people what ferry did: approvals needed, failed
// gates, rollbacks and escalated problems, posted as JSON or to a
// Slack-compatible incoming webhook from a goroutine of its own, with
// retries, never blocking the loop and never logging a webhook URL.
package notify
