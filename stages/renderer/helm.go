package renderer

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// Request is one chart to render with the Helm SDK, offline: no cluster,
// no network, lookup returns nothing.
type Request struct {
	// Chart holds the chart's files by slash-separated path relative to
	// the chart's directory (Chart.yaml, values.yaml, templates/...).
	Chart map[string][]byte
	// ChartDir names the chart's directory in error messages, such as
	// "services/carts/chart".
	ChartDir string
	// Release and Namespace are .Release.Name and .Release.Namespace.
	Release   string
	Namespace string
	// Values are the values the chart is rendered with, above the
	// chart's own values.yaml. Maps, lists and the scalars YAML decodes
	// to (strings, booleans, integers, floats, timestamps) are supported.
	Values map[string]any
}

// renderHelm loads and renders a chart; see the package documentation for
// the output.
func renderHelm(req *Request) ([]byte, error) {
	names := make([]string, 0, len(req.Chart))
	for name := range req.Chart {
		names = append(names, name)
	}
	sort.Strings(names)
	files := make([]*loader.BufferedFile, 0, len(names))
	for _, name := range names {
		files = append(files, &loader.BufferedFile{Name: name, Data: req.Chart[name]})
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", req.ChartDir, err)
	}
	opts := chartutil.ReleaseOptions{Name: req.Release, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	rv, err := chartutil.ToRenderValues(ch, req.Values, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	keep := make([]string, 0, len(out))
	for name, text := range out {
		base := name[strings.LastIndex(name, "/")+1:]
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" || strings.TrimSpace(text) == "" {
			continue
		}
		keep = append(keep, name)
	}
	sort.Strings(keep)
	var b bytes.Buffer
	for _, name := range keep {
		text, err := placeInNamespace(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out[name]), "---")), req.Namespace)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", name, text)
	}
	return b.Bytes(), nil
}
