package stages

import (
	"path"
	"strings"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/remediator"
)

// Kind is the kind of a file ferry reads.
type Kind string

// Kinds of files.
const (
	KindShipyard    Kind = "shipyard"
	KindSLO         Kind = "slo"
	KindSLI         Kind = "sli"
	KindRemediation Kind = "remediation"
	KindConfig      Kind = "ferry"
	KindHold        Kind = "hold"
	KindPin         Kind = "pin"
	KindUnknown     Kind = ""
)

// DetectKind tells what a file is: by its place in a ferry project first,
// then by its content (apiVersion and kind, or the keys of Keptn's SLO and
// SLI files), then by its name. Files it cannot tell are KindUnknown.
func DetectKind(file string, data []byte) Kind {
	if k := kindByPath(file); k != KindUnknown {
		return k
	}
	if k := kindByContent(data); k != KindUnknown {
		return k
	}
	return kindByName(path.Base(file))
}

func kindByPath(file string) Kind {
	base := path.Base(file)
	switch {
	case file == ShipyardFile:
		return KindShipyard
	case file == ConfigFile:
		return KindConfig
	case strings.HasPrefix(file, HoldsDir+"/") || strings.HasPrefix(file, ServicesDir+"/") && base == "hold.yaml":
		return KindHold
	case strings.HasPrefix(file, ServicesDir+"/") && strings.Count(file, "/") == 2 && base == "pin.yaml":
		return KindPin
	}
	return KindUnknown
}

func kindByContent(data []byte) Kind {
	m := yamlfile.ReadHead(data)
	if m == nil {
		return KindUnknown
	}
	switch m.String("kind") {
	case "Shipyard":
		return KindShipyard
	case "Remediation":
		return KindRemediation
	}
	hasStages := m.Has("stages")
	hasIndicators := m.Has("indicators")
	hasObjectives := m.Has("objectives")
	hasTotal := m.Has("total_score")
	hasComparison := m.Has("comparison")
	hasSpecVersion := m.Has("spec_version")
	hasVersion := m.Has("version")
	hasRemediations := m.Has("remediations")
	switch {
	case hasIndicators:
		return KindSLI
	case hasObjectives || hasTotal || hasComparison:
		return KindSLO
	case hasRemediations || hasVersion && m.Set("spec"):
		return KindRemediation
	case hasStages && !m.Set("apiVersion"):
		return KindShipyard
	case hasSpecVersion:
		return KindSLI
	}
	return KindUnknown
}

func kindByName(base string) Kind {
	name := strings.ToLower(base)
	switch {
	case strings.Contains(name, "shipyard"):
		return KindShipyard
	case strings.Contains(name, "remediation"):
		return KindRemediation
	case strings.Contains(name, "slo"):
		return KindSLO
	case strings.Contains(name, "sli"):
		return KindSLI
	}
	return KindUnknown
}

// ValidateFile parses one file of the given kind on its own and returns
// its diagnostics. Checks that need the whole project (SLIs named by an
// SLO, stages named by paths) are made by [Load].
func ValidateFile(kind Kind, file string, data []byte) yamlfile.Diagnostics {
	var d *yamlfile.Doc
	switch kind {
	case KindShipyard:
		_, d = ParseShipyard(file, data)
	case KindSLO:
		_, d = evaluator.ParseSLO(file, data)
	case KindSLI:
		_, d = evaluator.ParseSLI(file, data)
	case KindRemediation:
		_, d = remediator.ParseRemediation(file, data, nil)
	case KindConfig:
		_, d = ParseConfig(file, data)
	case KindHold:
		_, d = ParseHold(file, data)
	case KindPin:
		_, d = ParsePin(file, data)
	default:
		return nil
	}
	return d.Diagnostics()
}
