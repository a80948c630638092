package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

type evaluateFlags struct {
	repo          repoFlags
	prom          evaluator.PrometheusOptions
	service       string
	stage         string
	start, end    string
	timeframe     time.Duration
	record        bool
	run           string
	sloFile       string
	valuesFile    string
	historyFile   string
	replay        string
	output        string
	failOnWarning bool
}

func newEvaluate() *cobra.Command {
	var f evaluateFlags
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Run a quality gate: score SLIs against an SLO as Keptn's lighthouse did",
		Long: `Evaluate runs a quality gate in one of three ways.

Live, from any CI pipeline: read the project from --repo, query Prometheus for
the SLIs of --service in --stage over a window, and score them. --record
stores the evaluation record in the ledger on ferry/status and as a note on
the evaluated commit (the stage branch's tip, else main's), in one push.

  ferry evaluate --repo URL --service carts --stage staging --timeframe 10m \
      --prometheus-url http://prometheus:9090 [--record]

Offline: score values from a file (SLI name: number or {error: reason})
against an SLO file, with earlier records as history (newest first).

  ferry evaluate --slo slo.yaml --values values.yaml [--history history.json]

Replay: re-derive a recorded verdict from the record itself (a record file,
or a commit whose note holds one, with --repo). With --slo, say what another
SLO would have decided on the same values.

  ferry evaluate --replay 3f2c1a… --repo URL [--slo new-slo.yaml]

Exit status: 0 pass (and warning, unless --fail-on-warning), 1 fail,
2 could not evaluate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output != outputHuman && f.output != outputJSON && f.output != outputYAML {
				return usageError("-o %q: must be one of %s, %s, %s", f.output, outputHuman, outputJSON, outputYAML)
			}
			rec, err := f.evaluate(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return &exitError{code: exitUsage, err: err}
			}
			if err := printRecord(cmd.OutOrStdout(), f.output, rec); err != nil {
				return err
			}
			return verdictExit(rec.Result, f.failOnWarning)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.service, "service", "", "service to evaluate (live)")
	fs.StringVar(&f.stage, "stage", "", "stage to evaluate (live)")
	fs.StringVar(&f.start, "start", "", "window start, RFC 3339 (live; with --end)")
	fs.StringVar(&f.end, "end", "", "window end, RFC 3339 (live; default now)")
	fs.DurationVar(&f.timeframe, "timeframe", 0, "window length ending at --end or now (live)")
	fs.BoolVar(&f.record, "record", false, "store the record in the repository (live)")
	fs.StringVar(&f.run, "run", "", "run id for the record (default: cli-<time>)")
	fs.StringVar(&f.prom.URL, "prometheus-url", "", "Prometheus HTTP API (live)")
	fs.StringVar(&f.prom.BearerTokenFile, "prometheus-bearer-token-file", "", "file holding a bearer token for Prometheus")
	fs.StringVar(&f.prom.BasicAuthUser, "prometheus-user", "", "basic auth user for Prometheus")
	fs.StringVar(&f.prom.BasicAuthPasswordFile, "prometheus-password-file", "", "file holding the basic auth password for Prometheus")
	fs.StringVar(&f.prom.CAFile, "prometheus-ca-file", "", "PEM bundle of certificate authorities for Prometheus")
	fs.DurationVar(&f.prom.Timeout, "query-timeout", evaluator.DefaultQueryTimeout, "timeout of each SLI query")
	fs.StringVar(&f.sloFile, "slo", "", "SLO file (offline, or replay with another SLO)")
	fs.StringVar(&f.valuesFile, "values", "", "SLI values file (offline)")
	fs.StringVar(&f.historyFile, "history", "", "earlier records, newest first, JSON or YAML list (offline)")
	fs.StringVar(&f.replay, "replay", "", "record file or commit to replay")
	fs.StringVarP(&f.output, "output", "o", outputHuman, "output format: human, json or yaml")
	fs.BoolVar(&f.failOnWarning, "fail-on-warning", false, "exit 1 on a warning verdict")
	f.repo.bind(fs)
	f.repo.bindSigning(fs)
	return cmd
}

func verdictExit(result string, failOnWarning bool) error {
	switch {
	case result == evaluator.ResultPass:
		return nil
	case result == evaluator.ResultWarning && !failOnWarning:
		return nil
	}
	return &exitError{code: exitFailed}
}

func (f *evaluateFlags) evaluate(ctx context.Context, stderr io.Writer) (*evaluator.Record, error) {
	switch {
	case f.replay != "":
		return f.replayRecord(ctx, stderr)
	case f.valuesFile != "":
		return f.offline()
	case f.repo.opts.URL != "":
		return f.live(ctx)
	}
	return nil, errors.New("give --repo (live), --slo with --values (offline) or --replay")
}

func (f *evaluateFlags) offline() (*evaluator.Record, error) {
	if f.sloFile == "" {
		return nil, errors.New("--values needs --slo")
	}
	slo, src, err := readSLO(f.sloFile)
	if err != nil {
		return nil, err
	}
	values, err := readValues(f.valuesFile)
	if err != nil {
		return nil, err
	}
	var history []evaluator.Previous
	if f.historyFile != "" {
		if history, err = readHistory(f.historyFile); err != nil {
			return nil, err
		}
	}
	rec := evaluator.Score(slo, values, history)
	rec.SLO = src
	rec.EvaluatedAt = time.Now().UTC()
	rec.Run = f.run
	if rec.Run == "" {
		rec.Run = "offline"
	}
	rec.ID = evaluator.NewID(rec.EvaluatedAt, rec.Run)
	return rec, nil
}

func readSLO(file string) (*evaluator.SLO, evaluator.SLOSource, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, evaluator.SLOSource{}, err
	}
	slo, d := evaluator.ParseSLO(file, data)
	if slo == nil {
		return nil, evaluator.SLOSource{}, d.Diagnostics().Errors()
	}
	return slo, evaluator.SLOSource{File: file, Content: string(data)}, nil
}

func readValues(file string) (map[string]evaluator.Value, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var values map[string]evaluator.Value
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("read values %s: %w", file, err)
	}
	return values, nil
}

// readHistory reads earlier records (full records or just result and
// values) from a JSON or YAML list.
func readHistory(file string) ([]evaluator.Previous, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var raw []map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("read history %s: want a list of records: %w", file, err)
	}
	out := make([]evaluator.Previous, 0, len(raw))
	for i, item := range raw {
		b, _ := json.Marshal(item)
		var p evaluator.Previous
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("read history %s: record %d: %w", file, i, err)
		}
		if p.Result == "" {
			return nil, fmt.Errorf("read history %s: record %d has no result", file, i)
		}
		out = append(out, p)
	}
	return out, nil
}

func (f *evaluateFlags) live(ctx context.Context) (*evaluator.Record, error) {
	if f.service == "" || f.stage == "" || f.prom.URL == "" {
		return nil, errors.New("live evaluation needs --service, --stage and --prometheus-url")
	}
	window, err := f.window()
	if err != nil {
		return nil, err
	}
	prom, err := evaluator.NewPrometheus(f.prom)
	if err != nil {
		return nil, err
	}
	s, cleanup, err := f.repo.openStore()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	run := f.run
	if run == "" {
		run = "cli-" + time.Now().UTC().Format("20060102T150405Z")
	}
	var rec *evaluator.Record
	evaluate := func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		g, err := loadGate(s, snap, f.service, f.stage, window)
		if err != nil {
			return err
		}
		if rec == nil {
			rec = g.evaluate(ctx, prom)
		} else {
			rec = g.rescore(rec) // the status branch moved: the same values against the new history
		}
		rec.Run, rec.ID = run, evaluator.NewID(rec.EvaluatedAt, run)
		if !f.record {
			return gitstore.ErrNoChange
		}
		return evaluator.Append(b, s.FerryRef("status"), rec)
	}
	if _, err := s.Update(ctx, evaluate); err != nil {
		return nil, err
	}
	return rec, nil
}

func (f *evaluateFlags) window() (evaluator.Window, error) {
	end := time.Now().UTC()
	if f.end != "" {
		t, err := time.Parse(time.RFC3339, f.end)
		if err != nil {
			return evaluator.Window{}, fmt.Errorf("--end %q: want RFC 3339", f.end)
		}
		end = t
	}
	switch {
	case f.start != "":
		start, err := time.Parse(time.RFC3339, f.start)
		if err != nil {
			return evaluator.Window{}, fmt.Errorf("--start %q: want RFC 3339", f.start)
		}
		if !start.Before(end) {
			return evaluator.Window{}, errors.New("--start must be before --end")
		}
		return evaluator.Window{Start: start, End: end}, nil
	case f.timeframe > 0:
		return evaluator.Window{Start: end.Add(-f.timeframe), End: end}, nil
	}
	return evaluator.Window{}, errors.New("give --start (and --end) or --timeframe")
}

// gate is everything a live evaluation reads from the repository: the
// gate request of the service in the stage on main, with the ledger's
// history, and the commits the record names.
type gate struct {
	req       evaluator.Request
	hasSLO    bool
	target    gitstore.Hash
	candidate gitstore.Hash
}

func loadGate(s *gitstore.Store, snap gitstore.Snapshot, service, stage string, w evaluator.Window) (*gate, error) {
	main := snap.Get(s.MainRef())
	if main.IsZero() {
		return nil, fmt.Errorf("%s has no branch %s", s.URL(), s.MainRef())
	}
	files, err := stages.ReadProject(s.Reader, main)
	if err != nil {
		return nil, err
	}
	p, diags := stages.Load(files)
	if p == nil {
		return nil, fmt.Errorf("the project at %s is invalid:\n%s", main.String()[:12], diags.Errors().Error())
	}
	req, hasSLO, err := p.GateRequest(service, stage, w, main.String())
	if err != nil {
		return nil, err
	}
	g := &gate{req: req, hasSLO: hasSLO, target: main, candidate: main}
	if tip := snap.Get(s.StageRef(stage)); !tip.IsZero() {
		g.target = tip
	}
	if hasSLO {
		records, err := evaluator.History(s.Reader, snap.Get(s.FerryRef("status")), stage, service, 0)
		if err != nil {
			return nil, err
		}
		g.req.History = evaluator.AsPrevious(records)
	}
	return g, nil
}

func (g *gate) evaluate(ctx context.Context, q evaluator.Querier) *evaluator.Record {
	if !g.hasSLO {
		return g.noSLO(g.req.Window)
	}
	e := &evaluator.Evaluator{Querier: q}
	rec := e.Evaluate(ctx, g.req)
	g.stamp(rec)
	return rec
}

// rescore scores the values already retrieved against fresh history,
// after a concurrent evaluation moved the ledger.
func (g *gate) rescore(old *evaluator.Record) *evaluator.Record {
	if !g.hasSLO {
		return g.noSLO(old.Window)
	}
	rec := evaluator.Rescore(old, g.req)
	g.stamp(rec)
	return rec
}

// noSLO is Keptn's rule: no SLO file, the evaluation passes with score 0.
func (g *gate) noSLO(w evaluator.Window) *evaluator.Record {
	ph := g.req.Placeholders
	rec := &evaluator.Record{
		Version: evaluator.RecordVersion, Project: ph.Project, Stage: ph.Stage, Service: ph.Service,
		Window: w, Values: map[string]evaluator.Value{}, Result: evaluator.ResultPass, Score: 0,
		Message:     fmt.Sprintf("no SLO for service %q in stage %q: the gate passes without checking anything (Keptn's rule)", ph.Service, ph.Stage),
		EvaluatedAt: time.Now().UTC(),
	}
	g.stamp(rec)
	return rec
}

func (g *gate) stamp(rec *evaluator.Record) {
	rec.Commit, rec.Candidate = g.target.String(), g.candidate.String()
}

func (f *evaluateFlags) replayRecord(ctx context.Context, stderr io.Writer) (*evaluator.Record, error) {
	rec, err := f.loadRecord(ctx)
	if err != nil {
		return nil, err
	}
	if f.sloFile != "" {
		slo, src, err := readSLO(f.sloFile)
		if err != nil {
			return nil, err
		}
		again, err := evaluator.Replay(rec, slo)
		if err != nil {
			return nil, err
		}
		again.SLO = src
		_, _ = fmt.Fprintf(stderr, "what %s says about the values of record %s (recorded verdict: %s %s)\n", f.sloFile, rec.ID, rec.Result, evaluator.FormatScore(rec.Score))
		return again, nil
	}
	again, err := evaluator.Replay(rec, nil)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", rec.ID, err)
	}
	if diffs := evaluator.Diff(rec, again); len(diffs) > 0 {
		parts := make([]string, len(diffs))
		for i, d := range diffs {
			parts[i] = d.String()
		}
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("replay of %s differs from the record (recorded → replayed): %s", rec.ID, strings.Join(parts, "; "))}
	}
	_, _ = fmt.Fprintf(stderr, "replay of %s matches the record: %s %s\n", rec.ID, again.Result, evaluator.FormatScore(again.Score))
	return rec, nil
}

// loadRecord reads a record file, or the note on a commit of --repo.
func (f *evaluateFlags) loadRecord(ctx context.Context) (*evaluator.Record, error) {
	if data, err := os.ReadFile(f.replay); err == nil {
		return evaluator.ParseRecord(data)
	}
	if f.repo.opts.URL == "" {
		return nil, fmt.Errorf("--replay %s: no such file; to replay a commit's record give --repo", f.replay)
	}
	s, snap, cleanup, err := f.repo.fetch(ctx)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	commit, err := resolveCommit(s, snap, f.replay)
	if err != nil {
		return nil, fmt.Errorf("--replay: %w", err)
	}
	note, err := s.Note(snap.Get(s.NotesRef()), commit)
	if err != nil {
		return nil, fmt.Errorf("--replay %s: %w", f.replay, err)
	}
	return evaluator.ParseRecord(note)
}

// printRecord writes the record as JSON or YAML, or as a table of
// objectives.
func printRecord(w io.Writer, output string, r *evaluator.Record) error {
	if output == outputHuman {
		return r.WriteTable(w)
	}
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	return printJSONBytes(w, output, data)
}
