// Package promserver is an embedded Prometheus for ferry's tests and demo:
// the real TSDB and PromQL engine of github.com/prometheus/prometheus,
// serving the query endpoints of the Prometheus HTTP API
// (/api/v1/query, /api/v1/query_range) on loopback, with the API's JSON
// format and error types, so that ferry's client talks to it as to any
// Prometheus.
package promserver
