package stages

import (
	"path"
	"sort"
	"strings"
)

// Kinds of files that only a project's layout tells.
const (
	KindValues Kind = "values"
	KindChart  Kind = "chart"
)

// Role says what ferry read a file as.
type Role struct {
	File string `json:"file"`
	Kind Kind   `json:"kind"`
}

// Roles lists the files of a project that ferry reads and as what, in
// path order; a chart is one entry, its directory. Files ferry does not
// read are left out (Load warns about those).
func Roles(files Files) []Role {
	var out []Role
	charts := map[string]bool{}
	for name := range files {
		if k := roleOf(name); k != KindUnknown {
			out = append(out, Role{File: name, Kind: k})
			continue
		}
		if dir, ok := chartDir(name); ok && !charts[dir] {
			charts[dir] = true
			out = append(out, Role{File: dir + "/", Kind: KindChart})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// roleOf tells the kind of a project file by its place in the layout.
func roleOf(name string) Kind {
	if k := kindByPath(name); k != KindUnknown {
		return k
	}
	if name == ProjectSLI {
		return KindSLI
	}
	parts := strings.Split(name, "/")
	if parts[0] != ServicesDir || len(parts) != 3 && (len(parts) != 5 || parts[2] != "stages") {
		return KindUnknown
	}
	switch path.Base(name) {
	case "values.yaml":
		return KindValues
	case "sli.yaml":
		return KindSLI
	case "slo.yaml":
		return KindSLO
	case "remediation.yaml":
		return KindRemediation
	}
	return KindUnknown
}

// chartDir returns services/<svc>/chart for a file below it.
func chartDir(name string) (string, bool) {
	parts := strings.SplitN(name, "/", 4)
	if len(parts) == 4 && parts[0] == ServicesDir && parts[2] == "chart" {
		return strings.Join(parts[:3], "/"), true
	}
	return "", false
}
