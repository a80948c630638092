package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/stages/renderer"
)

func newValidate() *cobra.Command {
	var repo repoFlags
	var output *outputFlag
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate [DIR | FILE...]",
		Short: "Check a project's files (or single Keptn files) and report every problem",
		Long: `Validate checks the files of a ferry project and reports every problem at once
as path:line:col: message, or as JSON with -o json. It is meant for a pull
request's CI.

A directory with a services/ folder or a ferry.yaml is checked as a project:
each file, then the files together (SLIs named by SLOs, stages named by
paths). Any other directory is searched for Keptn files (shipyard, SLO, SLI,
remediation), each checked on its own; Helm charts are skipped. Files named
on the command line are checked on their own.

With --repo, the project is read from the tip of --ref (main by default)
through a mirror kept in the user's cache directory.

It says which files it read as what (shipyard, ferry, slo, sli, remediation,
values, pin, hold, chart). -o json and -o yaml print {files: [{file, kind}],
diagnostics: [{file, line, column, severity, message}]}.

Exit status: 0 valid (warnings allowed unless --strict), 1 invalid, 2 usage
error.`,
		Example: `  # The project in the current directory
  ferry validate

  # In CI, warnings fail too, as JSON
  ferry validate --strict -o json

  # Single Keptn files
  ferry validate shipyard.yaml services/carts/slo.yaml

  # A repository's main branch
  ferry validate --repo https://git.example.com/shop/delivery.git`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if repo.opts.URL != "" && len(args) > 0 {
				return usageError("give either --repo or a directory or files, not both")
			}
			res, err := validateTarget(cmd, &repo, args)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			diags := res.Diagnostics
			if err := printValidation(cmd.OutOrStdout(), output.value, res); err != nil {
				return err
			}
			if diags.HasErrors() || strict && len(diags) > 0 {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	output = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings too (dangling triggers, unknown task properties, external actions)")
	repo.bind(cmd.Flags())
	return cmd
}

// validation is what validate found: the files it read, as what, and
// every diagnostic.
type validation struct {
	Files       []stages.Role        `json:"files"`
	Diagnostics yamlfile.Diagnostics `json:"diagnostics"`
}

func validateTarget(cmd *cobra.Command, repo *repoFlags, args []string) (validation, error) {
	if repo.opts.URL != "" {
		files, err := repo.read(cmd.Context())
		if err != nil {
			return validation{}, err
		}
		return validation{Files: stages.Roles(files), Diagnostics: loadAndRender(cmd.Context(), files)}, nil
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	if len(args) == 1 {
		if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
			return validateDir(cmd.Context(), args[0])
		}
	}
	return validateFiles(args)
}

// validateDir checks a project directory, or the Keptn files below dir.
func validateDir(ctx context.Context, dir string) (validation, error) {
	files, err := readDir(dir)
	if err != nil {
		return validation{}, err
	}
	var v validation
	if isProject(files) {
		v.Files, v.Diagnostics = stages.Roles(files), loadAndRender(ctx, files)
	} else {
		for _, name := range sortedNames(files) {
			if skipLoose(name, files) {
				continue
			}
			kind := stages.DetectKind(name, files[name])
			if kind != stages.KindUnknown {
				v.Files = append(v.Files, stages.Role{File: name, Kind: kind})
			}
			v.Diagnostics = append(v.Diagnostics, stages.ValidateFile(kind, name, files[name])...)
		}
	}
	for i := range v.Diagnostics {
		v.Diagnostics[i].File = displayPath(dir, v.Diagnostics[i].File)
	}
	for i := range v.Files {
		v.Files[i].File = displayPath(dir, v.Files[i].File)
	}
	v.Diagnostics.Sort()
	return v, nil
}

func isProject(files stages.Files) bool {
	if _, ok := files[stages.ConfigFile]; ok {
		return true
	}
	for name := range files {
		if strings.HasPrefix(name, stages.ServicesDir+"/") {
			return true
		}
	}
	return false
}

// skipLoose tells which files a search for Keptn files passes over: other
// than YAML, and everything inside a Helm chart.
func skipLoose(name string, files stages.Files) bool {
	if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
		return true
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if _, ok := files[dir+"/Chart.yaml"]; ok {
			return true
		}
	}
	return false
}

func validateFiles(names []string) (validation, error) {
	var v validation
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return validation{}, fmt.Errorf("read %s: %w", name, err)
		}
		kind := stages.DetectKind(filepath.ToSlash(name), data)
		if kind == stages.KindUnknown {
			v.Diagnostics = append(v.Diagnostics, yamlfile.Diagnostic{
				File: name, Line: 1, Column: 1, Severity: yamlfile.SeverityError,
				Message: "cannot tell what kind of file this is (shipyard, SLO, SLI, remediation, ferry.yaml, hold or pin)",
			})
			continue
		}
		v.Files = append(v.Files, stages.Role{File: name, Kind: kind})
		v.Diagnostics = append(v.Diagnostics, stages.ValidateFile(kind, name, data)...)
	}
	v.Diagnostics.Sort()
	return v, nil
}

// readDir reads every file below dir as ferry run reads them from Git:
// hidden paths included (not .git), a symbolic link as the path it names.
func readDir(dir string) (stages.Files, error) {
	files := stages.Files{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		var data []byte
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			// Git stores a symbolic link as the path it points to, and so
			// does ferry run read it: never the file behind it.
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			data = []byte(target)
		case d.Type().IsRegular():
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return nil
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	return files, nil
}

// loadAndRender validates a project as ferry run reads it: its files, then
// every chart rendered for every stage under the same limits.
func loadAndRender(ctx context.Context, files stages.Files) yamlfile.Diagnostics {
	_, diags := stages.Check(ctx, files, renderer.Options{})
	return diags
}

func displayPath(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return filepath.Join(dir, filepath.FromSlash(name))
}

func sortedNames(files stages.Files) []string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// printValidation writes the diagnostics as lines, then the files read
// and a summary; or all of it as JSON or YAML.
func printValidation(w io.Writer, output string, v validation) error {
	if output == outputJSON || output == outputYAML {
		if v.Diagnostics == nil {
			v.Diagnostics = yamlfile.Diagnostics{}
		}
		if v.Files == nil {
			v.Files = []stages.Role{}
		}
		return printData(w, output, v)
	}
	for _, d := range v.Diagnostics {
		if _, err := fmt.Fprintln(w, d.Error()); err != nil {
			return err
		}
	}
	if v.Files != nil {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		_, _ = fmt.Fprintf(tw, "read %d file(s):\n", len(v.Files))
		for _, f := range v.Files {
			_, _ = fmt.Fprintf(tw, "  %s\t%s\n", f.File, f.Kind)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	errs := len(v.Diagnostics.Errors())
	_, err := fmt.Fprintf(w, "%d error(s), %d warning(s)\n", errs, len(v.Diagnostics)-errs)
	return err
}
