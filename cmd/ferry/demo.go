package main

import (
	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/internal/demo"
)

func newDemo() *cobra.Command {
	var (
		opts    demo.Options
		noColor bool
		ui      bool
		uiAddr  string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the Keptn tutorial's story on an embedded default: nothing to install, no cluster",
		Long: `Demo creates a Git repository seeded with the sockshop example, starts an
embedded Prometheus (the real TSDB and PromQL engine) that scrapes in-process
workloads and evaluates the alert rules ferry generates, a stand-in sync agent
that deploys each stage branch to those workloads, and ferry's real loop. Then
it plays the story: carts 0.11.1 is promoted to production; 0.11.2 is slow,
blocked by the staging gate and rolled back; a load spike in production raises
an alert, ferry scales carts up and the problem closes. It exits 0 only if all
of that happened.

With --ui, the dashboard shows the story as it happens, in a browser, and
stays open after it until interrupted (Ctrl-C): --ui-listen chooses its
address.

Colours are off with --no-color, when NO_COLOR is set, or when the output is
not a terminal.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Speed <= 0 {
				return usageError("--speed must be positive")
			}
			if err := opts.Validate(); err != nil {
				return usageError("%w", err)
			}
			if ui {
				opts.UI = uiAddr
			}
			opts.Out = cmd.OutOrStdout()
			opts.Color = demo.UseColor(opts.Out, noColor)
			if err := demo.Run(cmd.Context(), opts); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "workspace to create and keep (default: a new temporary directory, also kept)")
	cmd.Flags().Float64Var(&opts.Speed, "speed", demo.DefaultSpeed, "compress the story's waits by this factor")
	cmd.Flags().BoolVar(&ui, "ui", false, "serve the dashboard during the story, and after it until interrupted")
	cmd.Flags().StringVar(&uiAddr, "ui-listen", "127.0.0.1:8080", "address of the dashboard with --ui")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "no colours in the narration (also when NO_COLOR is set)")
	return cmd
}
