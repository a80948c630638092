package main

import (
	"github.com/spf13/cobra"
)

func newRender() *cobra.Command {
	var repo repoFlags
	var stage, dir string
	cmd := &cobra.Command{
		Use:   "render SERVICE --stage STAGE",
		Short: "Print the manifests ferry would commit for a service in a stage",
		Long: `Render renders a service's chart for a stage the way ferry commits it to the
stage branch as services/<service>/manifests.yaml: chart defaults < the
service's values.yaml < the stage's values.yaml < pin.yaml, offline (no
cluster, no network). The output is the same bytes for the same inputs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stage == "" {
				return usageError("--stage is required")
			}
			p, err := repo.loadProject(cmd.Context(), dir, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			out, err := p.Render(args[0], stage, nil)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage to render for (required)")
	cmd.Flags().StringVar(&dir, "dir", ".", "project directory (when --repo is not given)")
	repo.bind(cmd.Flags())
	return cmd
}
