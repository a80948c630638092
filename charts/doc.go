// Package charts holds the tests of ferry's Helm chart (charts/ferry): lint,
// render with the values users set, decode every rendered object strictly
// into its Kubernetes type, and install them on a real API server
// (internal/kubetest). The package has no non-test code.
package charts
