// Package dashboard provides ferry's read-only web UI and read API, built
// from Git alone: status.json and the problems on the ferry/status branch,
// the Ferry-* trailers of the stage branches and the evaluation records in
// refs/notes/ferry and the ledger.
//
// # Serving
//
// [New] returns a [Server], an http.Handler that serves, for every
// [Project] Options.Projects returns (addressed as namespace/name):
//
//	GET /                                                   projects and their conditions
//	GET /projects/{namespace}/{name}                        the stage × service board
//	GET /projects/{namespace}/{name}/services/{service}     a service's timeline, evaluations and charts
//	GET /projects/{namespace}/{name}/problems               problems and their actions
//	GET /events[?project=namespace/name]                    live updates (server-sent events)
//	GET /api/v1/projects                                    the read API, JSON (see docs/dashboard.md)
//	GET /api/v1/projects/{namespace}/{name}/status
//	GET /api/v1/projects/{namespace}/{name}/services/{service}/history
//	GET /api/v1/projects/{namespace}/{name}/evaluations/{id}
//	GET /api/v1/projects/{namespace}/{name}/problems
//	GET /assets/…                                           embedded styles, script and uPlot
//
// Pages are rendered on the server; every page answers ?fragment=1 with
// its content alone, which the page's small script fetches again when the
// event stream says the project's refs moved. Nothing is loaded from
// another origin.
//
// # Reading the stores
//
// Each request takes one [gitstore.Store.Snapshot] of the project's local
// refs and reads everything through the store's Reader at those commits.
// A Store serialises access to its mirror with its own lock, so the
// dashboard may read while a reconciler fetches and pushes through the same
// Store; it never pushes. With Options.Fetch the dashboard fetches each
// store itself, at most once per Options.Refresh. What the board, the
// projects list and the problems parse of ferry/status is kept per
// project, keyed by the ferry/status commit, so that the requests for one
// commit parse it once.
//
// # Live updates
//
// While at least one client follows /events, one goroutine looks at every
// project's refs each Options.Refresh and sends a "refs" event naming the
// projects whose refs moved, that appeared or that went away; it stops
// when the last client leaves.
// [Server.Close] ends every stream, for a graceful shutdown.
package dashboard
