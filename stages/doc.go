// Package stages provides ferry's project model: the Keptn shipyard (stages,
// sequences, tasks and the graph of triggers between them), ferry's own
// project files (pins, holds, ferry.yaml) and the edit of a pin file that
// keeps its comments (EditPin), the candidates a main commit
// creates, the layering of Helm values, the rendering of a stage branch's
// files with the Helm SDK (StageFiles), the quality-gate request of a
// service in a stage (GateRequest), and a cache of projects by commit.
// Charts render under the limits of Project.RenderLimits, in a worker
// process (package renderer).
//
// # Files
//
// Every file is parsed strictly (unknown keys are errors) and all problems
// of a file are reported at once with file, line and column, as
// [yamlfile.Diagnostics]. Keptn v1 files are read unchanged; ferry's own
// settings live in ferry.yaml and in documented task properties only.
package stages
