// Package schemas embeds the JSON Schemas of the files ferry reads
// (shipyard, SLO, SLI, remediation, ferry.yaml, holds, pins). Editors use the
// .json files beside this one; tests check that the schemas and ferry's
// parsers agree.
package schemas

import "embed"

// FS holds <kind>.json for every file kind.
//
//go:embed *.json
var FS embed.FS
