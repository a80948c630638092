package stages

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/yamlfile"
)

// Bounds of what ferry reads of a project. A file holds at most
// MaxFileSize bytes and the project at most MaxProjectSize: decoding takes
// several times a file's size in memory, and a commit on main must not be
// able to exhaust it.
const (
	MaxFileSize    = 4 << 20
	MaxProjectSize = 64 << 20
)

// projectFiles and projectDirs are the paths of main that [Load] reads;
// nothing else of the repository is read.
var (
	projectFiles = []string{ShipyardFile, ConfigFile, ProjectSLI}
	projectDirs  = []string{HoldsDir, ServicesDir}
)

// ReadProject reads the files of the project at commit: shipyard.yaml,
// ferry.yaml, sli.yaml, holds/ and services/, and nothing else of the
// repository. Sizes are checked before anything is read: a file larger
// than MaxFileSize, or a project larger than MaxProjectSize, is returned
// as [yamlfile.Diagnostics] naming the files. Other errors are Git's.
func ReadProject(rd gitstore.Reader, commit gitstore.Hash) (Files, error) {
	sizes := map[string]int64{}
	for _, p := range projectFiles {
		n, err := rd.Size(commit, p)
		if gitstore.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sizes[p] = n
	}
	for _, dir := range projectDirs {
		files, err := rd.ListFiles(commit, dir)
		if err != nil {
			return nil, err
		}
		for p, n := range files {
			sizes[dir+"/"+p] = n
		}
	}
	if diags := checkSizes(sizes); diags != nil {
		return nil, diags
	}
	files := Files{}
	for p := range sizes {
		data, err := rd.ReadFile(commit, p)
		if err != nil {
			return nil, err
		}
		files[p] = data
	}
	return files, nil
}

// checkSizes reports the files over MaxFileSize and a total over
// MaxProjectSize.
func checkSizes(sizes map[string]int64) yamlfile.Diagnostics {
	var diags yamlfile.Diagnostics
	var total int64
	paths := make([]string, 0, len(sizes))
	for p, n := range sizes {
		paths = append(paths, p)
		total += n
	}
	sort.Strings(paths)
	for _, p := range paths {
		if sizes[p] > MaxFileSize {
			diags = append(diags, tooLarge(p, sizes[p]))
		}
	}
	if total > MaxProjectSize {
		diags = append(diags, yamlfile.Diagnostic{
			File: ServicesDir, Line: 1, Column: 1, Severity: yamlfile.SeverityError,
			Message: fmt.Sprintf("the project's files are %d bytes; ferry reads at most %d bytes (%d MiB) of shipyard.yaml, ferry.yaml, sli.yaml, holds/ and services/", total, MaxProjectSize, MaxProjectSize>>20),
		})
	}
	return diags
}

func tooLarge(file string, n int64) yamlfile.Diagnostic {
	return yamlfile.Diagnostic{
		File: file, Line: 1, Column: 1, Severity: yamlfile.SeverityError,
		Message: fmt.Sprintf("the file is %d bytes; ferry reads files of at most %d bytes (%d MiB)", n, MaxFileSize, MaxFileSize>>20),
	}
}

// dropLarge reports the files of the project larger than MaxFileSize and
// leaves them out, for files that did not come through ReadProject.
func (l *fileLoader) dropLarge() {
	var large []string
	for p, data := range l.files {
		if len(data) > MaxFileSize && inProject(p) {
			large = append(large, p)
		}
	}
	if len(large) == 0 {
		return
	}
	files := make(Files, len(l.files))
	maps.Copy(files, l.files)
	for _, p := range large {
		l.diags = append(l.diags, tooLarge(p, int64(len(files[p]))))
		delete(files, p)
	}
	l.files = files
}

func inProject(p string) bool {
	if slices.Contains(projectFiles, p) {
		return true
	}
	for _, dir := range projectDirs {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// isDiagnostics reports whether err is a project's problem rather than
// Git's.
func isDiagnostics(err error) bool {
	var d yamlfile.Diagnostics
	return errors.As(err, &d)
}
