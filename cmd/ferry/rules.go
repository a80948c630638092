package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
)

func newRules() *cobra.Command {
	var repo repoFlags
	var stage, dir string
	cmd := &cobra.Command{
		Use:   "rules SERVICE --stage STAGE",
		Short: "Print the alerting rules ferry generates from a service's SLO, as a Prometheus rule file",
		Long: `Rules prints, as a plain Prometheus rule file (for rule_files:), the alerting
rules ferry commits with each deployment as services/<service>/alerts.yaml (a
PrometheusRule): one per SLO objective with an absolute pass criterion, when
the stage has a remediation file. The alert is named after the SLI, the problem
type a remediation file lists.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stage == "" {
				return usageError("--stage is required")
			}
			p, err := repo.loadProject(cmd.Context(), dir, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if p.Services[args[0]] == nil || p.Shipyard.Stage(stage) == nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("no service %q or no stage %q", args[0], stage)}
			}
			rules, err := p.AlertRules(args[0], stage)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if len(rules) == 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("no alert rules for %s in %s: the stage needs an SLO with an absolute pass criterion and a remediation file", args[0], stage)}
			}
			out, err := remediator.RuleFile(stages.AlertRuleGroup(args[0], stage), rules)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage (required)")
	cmd.Flags().StringVar(&dir, "dir", ".", "project directory (when --repo is not given)")
	repo.bind(cmd.Flags())
	return cmd
}
