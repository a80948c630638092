package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/importer"
	"github.com/ferrycd/ferry/internal/yamlfile"
)

func newImport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a project kept by another tool into ferry's layout",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newImportKeptn())
	return cmd
}

// importOutput is what ferry import keptn prints with -o json or yaml.
type importOutput struct {
	*importer.Report
	// Out is the directory written (--out).
	Out string `json:"out,omitempty"`
	// Commit is the commit made on TargetBranch of Repo (--branch).
	Repo         string `json:"repo,omitempty"`
	TargetBranch string `json:"targetBranch,omitempty"`
	Commit       string `json:"commit,omitempty"`
	// Warnings are what ferry validate warns about in the result.
	Warnings yamlfile.Diagnostics `json:"warnings"`
}

func newImportKeptn() *cobra.Command {
	var (
		repo           repoFlags
		output         *outputFlag
		from, fromRef  string
		outDir, branch string
		opts           importer.Options
	)
	cmd := &cobra.Command{
		Use:   "keptn --from PATH|URL (--out DIR | --branch NAME)",
		Short: "Import a Keptn v1 project from its Git upstream",
		Long: `Import keptn reads a Keptn v1 project's Git upstream as Keptn's
resource-service (configuration-service) wrote it, a branch per stage or
.keptn-stages/<stage>/ directories on the default branch, and writes it in
ferry's layout: the shipyard unchanged, ferry.yaml naming the project, per
service the chart unpacked, a pin from the chart's image, and the SLO, SLI
and remediation files at the service level where every stage agrees, per
stage where they differ. docs/keptn-import.md says what maps where.

It prints what behaves differently in ferry (tests and external tasks with no
subscriber, blue/green deployments rendered as direct, images that differ
between stages, non-Prometheus SLIs) and every upstream file it left out.
The result loads as ferry validate loads a project, and every service
renders in every stage; otherwise nothing is written.

--out writes into a new (or empty) directory. --branch writes one commit on
a new branch of --repo (default $FERRY_REPO, else the origin of the clone in
the current directory), on top of --ref, in one push that fails when the
branch exists: open a pull request from it. The --git-* flags apply to
--from and --repo alike.

Exit status: 0 imported, 1 failed, 2 usage error.`,
		Example: `  # Into a directory, then check it
  ferry import keptn --from https://git.example.com/keptn/sockshop.git --out sockshop
  ferry validate sockshop

  # As a branch of the current repository, for a pull request
  ferry import keptn --from ../sockshop-upstream --branch import-keptn --project sockshop

  # The report for a script
  ferry import keptn --from ../sockshop-upstream --out sockshop -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return usageError("--from is required")
			}
			if (outDir == "") == (branch == "") {
				return usageError("give one of --out and --branch")
			}
			ctx := cmd.Context()
			src, err := repo.storeOptions()
			if err != nil {
				return err
			}
			src.URL, src.Dir = from, ""
			u, err := importer.Read(ctx, importer.ReadOptions{Store: src, Branch: fromRef})
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			res, err := importer.Import(u, opts)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if err := res.Check(ctx); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			o := importOutput{Report: res.Report, Warnings: res.Diagnostics}
			if o.Warnings == nil {
				o.Warnings = yamlfile.Diagnostics{}
			}
			if outDir != "" {
				if err := importer.WriteDir(outDir, res.Files); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				o.Out = outDir
			} else {
				if err := repo.defaultURL(ctx); err != nil {
					return err
				}
				so, err := repo.storeOptions()
				if err != nil {
					return err
				}
				h, err := importer.CommitBranch(ctx, importer.BranchOptions{Store: so, Branch: branch, Message: res.Report.CommitMessage()}, res.Files)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				o.Repo, o.TargetBranch, o.Commit = gitstore.Redact(repo.opts.URL), branch, h.String()
			}
			if output.machine() {
				return printData(cmd.OutOrStdout(), output.value, o)
			}
			return printImport(cmd.OutOrStdout(), o)
		},
	}
	output = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the Keptn project's Git upstream (URL or path)")
	f.StringVar(&fromRef, "from-branch", "", "the upstream's default branch (default: main, else master)")
	f.StringVar(&outDir, "out", "", "write the project into this new or empty directory")
	f.StringVar(&branch, "branch", "", "write the project as one commit on this new branch of --repo")
	f.StringVar(&opts.Project, "project", "", "the project's name in ferry.yaml (default: the upstream's metadata.yaml projectName, else the shipyard's name)")
	f.StringVar(&opts.SLIProvider, "sli-provider", "", "import the <provider>/sli.yaml files of this SLI provider (default: prometheus when there are any, else the one found)")
	repo.bindWith(f, "with --branch, the repository to write to (URL or path); default $FERRY_REPO, else the origin remote of the clone in the current directory")
	repo.bindSigning(f)
	return cmd
}

// printImport writes the human report.
func printImport(w io.Writer, o importOutput) error {
	r := o.Report
	ew := &errWriter{w: w}
	ew.printf("Imported Keptn project %s from %s (branch %s, %s)\nstages: %v\n\n", r.Project, r.Source, r.Branch, r.Layout, r.Stages)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "SERVICE\tCHART\tPIN\tPIN FROM")
	for _, s := range r.Services {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Chart, s.Pin, s.PinStage)
	}
	_ = tw.Flush()
	for _, kind := range []importer.FindingKind{importer.FindingDiffers, importer.FindingMoved, importer.FindingLeftOut} {
		fs := r.Of(kind)
		if len(fs) == 0 {
			continue
		}
		ew.printf("\n%s:\n", kind.Title())
		for _, f := range fs {
			ew.printf("  %s\n", f)
		}
	}
	if len(o.Warnings) > 0 {
		ew.printf("\nferry validate warns:\n")
		for _, d := range o.Warnings {
			ew.printf("  %s\n", d.Error())
		}
	}
	if o.Out != "" {
		ew.printf("\nWrote %d files to %s.\n", len(r.Files), o.Out)
	} else {
		ew.printf("\nCommitted %s on branch %s of %s (%d files).\n", gitstore.ShortSHA(o.Commit), o.TargetBranch, o.Repo, len(r.Files))
	}
	return ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { _, _ = fmt.Fprintf(e, format, args...) }
