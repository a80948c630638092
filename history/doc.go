// Package history provides a service's history as the stage branches record
// it: every commit ferry made for the service in a stage (its Ferry-*
// trailers) and, from the note on that commit, the verdict of the
// evaluation that judged it. The CLI's `ferry history` and the dashboard
// read it the same way, from a mirror's snapshot alone.
package history
