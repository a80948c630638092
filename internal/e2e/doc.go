// Package e2e starts the real Prometheus and Alertmanager servers (Debian's
// prometheus and prometheus-alertmanager packages) on loopback ports for
// ferry's end-to-end tests. On a machine without them the tests skip,
// except under CI (CI set), where a missing server fails the test.
// [ToolsDir] is where the hack/ scripts cache the servers they build.
package e2e
