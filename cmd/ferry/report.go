package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/event"
)

type reportFlags struct {
	report     event.Report
	status     string
	url        string
	tokenFile  string
	start, end string
	timeout    time.Duration
}

func newReport() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report --url URL --run RUN --task TASK --result pass|warning|fail",
		Short: "Finish (or start) a task ferry waits on, with a Keptn CloudEvent",
		Long: `Report sends one sh.keptn.event.<task>.finished CloudEvent (with --started,
.started) to ferry's /api/v1/events, as a Keptn service answers a .triggered
event: for the test task or an external task of a run that waits on it.
--triggered-id (the .triggered event's id) names the run and the task
exactly; else --run and --task do.

The bearer token is the one of /api/v1/reports: --token-file, else
FERRY_REPORT_TOKEN.

Exit status: 0 ferry recorded (or acknowledged) the event; 1 ferry refused it
(the run does not wait on the task, it is unknown, or the event is wrong:
ferry's reason is printed) or could not be reached; 2 usage error.`,
		Example: `  # The tests of run r12 passed
  ferry report --url http://ferry:8080 --token-file /etc/ferry/report-token --run r12 --task test --result pass

  # They started; later they failed, over a window
  ferry report --url http://ferry:8080 --run r12 --task test --started
  ferry report --url http://ferry:8080 --run r12 --task test --result fail \
    --start 2026-11-21T12:00:00Z --end 2026-11-21T12:10:00Z --message "checkout flow broken"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.url, "url", "", "ferry's address, e.g. http://ferry:8080 (required)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token of /api/v1/reports (or FERRY_REPORT_TOKEN)")
	fs.StringVar(&f.report.Run, "run", "", "the run id, e.g. r12")
	fs.StringVar(&f.report.Task, "task", "", "the task, e.g. test")
	fs.StringVar(&f.report.TriggeredID, "triggered-id", "", "the id of the .triggered event, e.g. sockshop.r12.1.test (names run and task)")
	fs.BoolVar(&f.report.Started, "started", false, "send .started: the task began (nothing is recorded)")
	fs.StringVar(&f.report.Result, "result", "", "pass, warning or fail (required unless --started or --status errored)")
	fs.StringVar(&f.status, "status", "", "succeeded (default), errored or aborted (both fail the task)")
	fs.StringVar(&f.report.Message, "message", "", "a line saying what happened")
	fs.StringVar(&f.start, "start", "", "when the test started, RFC 3339 (the evaluation's window)")
	fs.StringVar(&f.end, "end", "", "when the test ended, RFC 3339")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit of the request")
	return cmd
}

func (f *reportFlags) run(cmd *cobra.Command) error {
	if f.url == "" {
		return usageError("--url is required")
	}
	token := strings.TrimSpace(os.Getenv("FERRY_REPORT_TOKEN"))
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return usageError("read --token-file: %v", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return usageError("a token is required: --token-file or FERRY_REPORT_TOKEN")
	}
	var errs []error
	for _, t := range []struct {
		flag, v string
		to      *time.Time
	}{{"--start", f.start, &f.report.Start}, {"--end", f.end, &f.report.End}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want an RFC 3339 time such as 2026-11-21T12:00:00Z", t.flag, t.v))
		}
		*t.to = v
	}
	f.report.Status = event.Status(f.status)
	e, err := f.report.Event()
	if err := errors.Join(append(errs, err)...); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	answer, err := event.Post(cmd.Context(), &http.Client{Timeout: f.timeout}, f.url, token, e)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	_, _ = fmt.Fprintln(cmd.OutOrStdout(), answer)
	return nil
}
