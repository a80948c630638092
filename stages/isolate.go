package stages

import (
	"path"
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// LoadIsolated loads a project as Load does, except that a service whose
// own files (below services/<svc>/) are invalid is left out and listed in
// Project.Invalid with its errors, so that one service's bad commit never
// stops the others. An error anywhere else still fails the whole project.
func LoadIsolated(files Files) (*Project, yamlfile.Diagnostics) {
	p, diags := Load(files)
	if p != nil || len(diags) == 0 {
		return p, diags
	}
	bad := map[string]yamlfile.Diagnostics{}
	for _, d := range diags.Errors() {
		svc := serviceOf(d.File)
		if svc == "" {
			return nil, diags // a project-wide file: nothing to isolate
		}
		bad[svc] = append(bad[svc], d)
	}
	rest := Files{}
	for name, data := range files {
		if _, ok := bad[serviceOf(name)]; !ok {
			rest[name] = data
		}
	}
	p, restDiags := Load(rest)
	if p == nil {
		return nil, diags // the others depend on what was left out
	}
	p.Invalid = map[string]error{}
	for svc, d := range bad {
		p.Invalid[svc] = d.Errors()
	}
	return p, append(restDiags, diags.Errors()...)
}

// serviceOf names the service a path belongs to, or "".
func serviceOf(file string) string {
	rest, ok := strings.CutPrefix(path.Clean(file), ServicesDir+"/")
	if !ok {
		return ""
	}
	svc, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return svc
}
