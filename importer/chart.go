package importer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/ferrycd/ferry/stages"
)

// chart is a service's Helm chart in one stage.
type chart struct {
	// src is where it was, relative to the service's directory:
	// helm/<chart> or helm/<chart>.tgz.
	src   string
	files stages.Files // by path relative to the chart's root
}

// findChart finds the chart of a service in a stage: below helm/ as Keptn's
// resource-service unpacked it (helm/<chart>/Chart.yaml), or as the
// archive (helm/<chart>.tgz) older versions kept. The chart named after
// the service wins, then the first by name; Keptn's generated chart
// (<service>-generated, for blue_green_service) is never used. It returns
// nil when the stage has no chart, and an error (with the chart's src)
// when the archive cannot be read.
func (r *run) findChart(s *svc, stage string) (*chart, error) {
	files := s.res[stage]
	names := map[string]string{} // chart name → src
	for p := range files {
		rest, ok := strings.CutPrefix(p, "helm/")
		if !ok {
			continue
		}
		if dir, rel, ok := strings.Cut(rest, "/"); ok && rel == "Chart.yaml" {
			names[dir] = "helm/" + dir
		} else if name, ok := strings.CutSuffix(rest, ".tgz"); ok && !strings.Contains(name, "/") {
			if _, unpacked := names[name]; !unpacked {
				names[name] = p
			}
		}
	}
	for name := range names {
		if name == s.name+"-generated" {
			delete(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	pick := ""
	if _, ok := names[s.name]; ok {
		pick = s.name
	} else {
		keys := make([]string, 0, len(names))
		for k := range names {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pick = keys[0]
	}
	c := &chart{src: names[pick], files: stages.Files{}}
	if strings.HasSuffix(c.src, ".tgz") {
		s.used[stage][c.src] = true
		unpacked, err := untarChart(files[c.src])
		if err != nil {
			return &chart{src: c.src}, fmt.Errorf("read the chart archive: %w", err)
		}
		c.files = unpacked
		return c, nil
	}
	for p, data := range files {
		if rel, ok := strings.CutPrefix(p, c.src+"/"); ok {
			c.files[rel] = data
			s.used[stage][p] = true
		}
	}
	return c, nil
}

// untarChart unpacks a Helm chart archive: one top directory (the chart's
// name), whose files it returns by path relative to it. Only regular files
// are kept; a path leaving the chart is an error, and so is a file over
// stages.MaxFileSize or a chart over stages.MaxProjectSize.
func untarChart(data []byte) (stages.Files, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	files := stages.Files{}
	tops := map[string]bool{}
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if name != strings.TrimPrefix(h.Name, "./") {
			return nil, fmt.Errorf("%s: the path leaves the chart", h.Name)
		}
		top, rel, ok := strings.Cut(name, "/")
		if !ok {
			return nil, fmt.Errorf("%s: a file outside the chart's directory", h.Name)
		}
		if h.Size > stages.MaxFileSize {
			return nil, fmt.Errorf("%s: %d bytes, over %d MiB", h.Name, h.Size, stages.MaxFileSize>>20)
		}
		if total += h.Size; total > stages.MaxProjectSize {
			return nil, fmt.Errorf("over %d MiB unpacked", stages.MaxProjectSize>>20)
		}
		b, err := io.ReadAll(io.LimitReader(tr, stages.MaxFileSize))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		tops[top] = true
		files[rel] = b
	}
	if len(tops) != 1 {
		return nil, fmt.Errorf("%d top directories: a Helm chart archive has one", len(tops))
	}
	if _, ok := files["Chart.yaml"]; !ok {
		return nil, errors.New("no Chart.yaml in the archive's directory")
	}
	return files, nil
}
