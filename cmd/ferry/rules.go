package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
)

func newRules() *cobra.Command {
	var repo repoFlags
	var stage, dir string
	var output *outputFlag
	cmd := &cobra.Command{
		Use:   "rules SERVICE --stage STAGE",
		Short: "Print the alerting rules ferry generates from a service's SLO, as a Prometheus rule file",
		Long: `Rules prints, as a plain Prometheus rule file (for rule_files:), the alerting
rules ferry commits with each deployment as services/<service>/alerts.yaml (a
PrometheusRule): one per SLO objective with an absolute pass criterion, when
the stage has a remediation file. The alert is named after the SLI, the problem
type a remediation file lists.

-o yaml (the default) prints the rule file; -o json the same as JSON.`,
		Example: `  # The rules of carts in production, from the project in the current directory
  ferry rules carts --stage production > carts-production.rules.yaml
  promtool check rules carts-production.rules.yaml

  # From a repository, as JSON
  ferry rules carts --stage production --repo https://git.example.com/shop/delivery.git -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stage == "" {
				return usageError("--stage is required")
			}
			p, err := repo.loadProject(cmd.Context(), dir, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			known := projectNames(p)
			if err := errors.Join(known.checkService(args[0]), known.checkStage(stage)); err != nil {
				return &exitError{code: exitFailed, err: err}
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
			if output.value == outputJSON {
				return printYAMLTagged(cmd.OutOrStdout(), outputJSON, out)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage (required)")
	cmd.Flags().StringVar(&dir, "dir", ".", "project directory (when --repo is not given)")
	output = bindOutput(cmd, outputYAML, outputJSON)
	repo.bind(cmd.Flags())
	return cmd
}
