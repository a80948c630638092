// Package importer converts a Keptn v1 project, as Keptn's resource-service
// (formerly configuration-service) kept it in the project's Git upstream,
// into ferry's layout on main.
//
// # Reading
//
// [Read] fetches the upstream through [gitstore]: the default branch
// (main, else master, unless one is named) and, for the branch-per-stage
// layout, one branch per stage of the shipyard. The directory-per-stage
// layout (metadata.yaml's isUsingDirectoryStructure, Keptn 0.17 and later)
// keeps every stage under .keptn-stages/<stage>/ of the default branch and
// needs no other branch. Either way an [Upstream] holds the default
// branch's files and, per stage, the files below the stage's root: the
// branch's root, or .keptn-stages/<stage>/.
//
// # Mapping
//
// [Import] maps an Upstream to ferry's files (see docs/keptn-import.md):
// the shipyard unchanged, ferry.yaml naming the project, per service the
// chart unpacked (from helm/<chart>/ or helm/<chart>.tgz), a pin taken
// from the chart's image, and the SLO, SLI and remediation files at the
// service level where every stage agrees, per stage where they differ.
// Keptn's stage-wide SLI files have no layer of their own in ferry: they
// are merged into each service's stage layer, under the service's own
// queries, as Keptn merged them. Everything else is reported in a
// [Report]: what behaves differently in ferry and what was left out, with
// the upstream path of each file. The result is checked with
// [stages.Load] before it is returned.
//
// # Writing
//
// [WriteDir] writes the files into an empty directory; [CommitBranch]
// writes them as one commit on a new branch of a repository, in one
// compare-and-swap push, for a pull request.
package importer
