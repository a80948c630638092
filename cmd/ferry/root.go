package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	outputHuman = "human"
	outputJSON  = "json"
)

// exitError carries an exit code; its message, if any, was printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// run executes the command line and returns the process's exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			_, _ = fmt.Fprintln(stderr, "ferry:", ee.err)
		}
		return ee.code
	}
	_, _ = fmt.Fprintln(stderr, "ferry:", err)
	// cobra's own errors (unknown command or flag, wrong argument count)
	// are usage errors.
	return exitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ferry",
		Short: "A delivery control plane that lives in a Git repository",
		Long: `ferry carries every pin bump on main through the stages of a Keptn shipyard by
commits to stage branches, and records what it does on the ferry/status
branch and in notes: everything it knows can be read from Git alone.

Commands that print data take -o json or -o yaml (and -o wide where a table
has more to say). Exit status: 0 success, 1 failure or invalid input, 2 usage
error.`,
		Example: `  # Play the Keptn tutorial's story, nothing to install
  ferry demo

  # Check a project, then see what runs where
  ferry validate
  ferry status`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newDemo(), newValidate(), newRender(), newEvaluate(), newRun(), newStatus(), newHistory(), newRules(), newProblems(), newProblem(), newGet(), newTrigger(), newPin(), newPlan(), newController(), newReport(), newImport(), newProposals(), newApprove(), newReject(), newUI(), newVersion())
	for _, c := range root.Commands() {
		if c.Example == "" {
			c.Example = examples[c.Name()]
		}
	}
	return root
}

// examples are the examples of the commands whose files do not set them.
var examples = map[string]string{
	"demo": `  # The story in real time (about 45 s), then twice as fast
  ferry demo
  ferry demo --speed 2 --no-color

  # Watch it in a browser, and keep the dashboard open afterwards
  ferry demo --ui --ui-listen 127.0.0.1:8080`,
	"evaluate": `  # The live quality gate of carts in staging, recorded on ferry/status
  ferry evaluate --repo https://git.example.com/shop/delivery.git --service carts --stage staging \
    --timeframe 10m --prometheus-url http://prometheus:9090 --record

  # Offline, from values in a file
  ferry evaluate --slo slo.yaml --values values.yaml

  # Replay the verdict recorded on a stage commit
  ferry evaluate --replay 3f2c1a0b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a --repo https://git.example.com/shop/delivery.git`,
}
