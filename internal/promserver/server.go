package promserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/tsdb"
)

// Options configure a [Server].
type Options struct {
	// Dir holds the TSDB.
	Dir string
	// Addr is the listen address. Default 127.0.0.1:0 (any free port).
	Addr string
	// QueryTimeout bounds one query. Default 1m.
	QueryTimeout time.Duration
	// Delay, when set, is waited before every query is answered (tests of
	// client timeouts).
	Delay time.Duration
}

// Server is an embedded Prometheus.
type Server struct {
	// URL is the base URL of the HTTP API, e.g. http://127.0.0.1:40123.
	URL    string
	DB     *tsdb.DB
	Engine *promql.Engine
	opts   Options
	srv    *http.Server
	ln     net.Listener
}

// Start opens the TSDB and serves the API.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = time.Minute
	}
	logger := slog.New(slog.DiscardHandler)
	tOpts := tsdb.DefaultOptions()
	tOpts.OutOfOrderTimeWindow = (24 * time.Hour).Milliseconds()
	db, err := tsdb.Open(opts.Dir, logger, nil, tOpts, nil)
	if err != nil {
		return nil, fmt.Errorf("open tsdb: %w", err)
	}
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:        logger,
		MaxSamples:    50_000_000,
		Timeout:       opts.QueryTimeout,
		LookbackDelta: 5 * time.Minute,
	})
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), DB: db, Engine: engine, opts: opts, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/query", s.query)
	mux.HandleFunc("/api/v1/query_range", s.queryRange)
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Prometheus Server is Ready.\n")) })
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("Prometheus Server is Healthy.\n"))
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving and closes the TSDB.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, s.DB.Close())
}

// Sample is one value of a series at a time.
type Sample struct {
	Labels labels.Labels
	Time   time.Time
	Value  float64
}

// Add appends samples and commits them.
func (s *Server) Add(samples ...Sample) error {
	app := s.DB.Appender(context.Background())
	for _, smp := range samples {
		if _, err := app.Append(0, smp.Labels, smp.Time.UnixMilli(), smp.Value); err != nil {
			_ = app.Rollback()
			return fmt.Errorf("append %s: %w", smp.Labels, err)
		}
	}
	return app.Commit()
}

// apiError is the Prometheus API's error body.
type apiError struct {
	typ    string
	status int
	err    error
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, apiError{"bad_data", http.StatusBadRequest, err})
		return
	}
	ts := time.Now()
	if t := r.Form.Get("time"); t != "" {
		var err error
		if ts, err = parseTime(t); err != nil {
			writeError(w, apiError{"bad_data", http.StatusBadRequest, fmt.Errorf("invalid parameter \"time\": %w", err)})
			return
		}
	}
	ctx, cancel := s.queryContext(r)
	defer cancel()
	q, err := s.Engine.NewInstantQuery(ctx, s.DB, nil, r.Form.Get("query"), ts)
	if err != nil {
		writeError(w, apiError{"bad_data", http.StatusBadRequest, err})
		return
	}
	s.exec(ctx, w, q)
}

func (s *Server) queryRange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, apiError{"bad_data", http.StatusBadRequest, err})
		return
	}
	start, err1 := parseTime(r.Form.Get("start"))
	end, err2 := parseTime(r.Form.Get("end"))
	step, err3 := parseDuration(r.Form.Get("step"))
	if err := errors.Join(err1, err2, err3); err != nil {
		writeError(w, apiError{"bad_data", http.StatusBadRequest, err})
		return
	}
	ctx, cancel := s.queryContext(r)
	defer cancel()
	q, err := s.Engine.NewRangeQuery(ctx, s.DB, nil, r.Form.Get("query"), start, end, step)
	if err != nil {
		writeError(w, apiError{"bad_data", http.StatusBadRequest, err})
		return
	}
	s.exec(ctx, w, q)
}

func (s *Server) queryContext(r *http.Request) (context.Context, context.CancelFunc) {
	timeout := s.opts.QueryTimeout
	if t := r.Form.Get("timeout"); t != "" {
		if d, err := parseDuration(t); err == nil && d < timeout {
			timeout = d
		}
	}
	return context.WithTimeout(r.Context(), timeout)
}

func (s *Server) exec(ctx context.Context, w http.ResponseWriter, q promql.Query) {
	defer q.Close()
	if s.opts.Delay > 0 {
		select {
		case <-time.After(s.opts.Delay):
		case <-ctx.Done():
			writeError(w, apiError{"timeout", http.StatusServiceUnavailable, ctx.Err()})
			return
		}
	}
	res := q.Exec(ctx)
	if res.Err != nil {
		var (
			eqc promql.ErrQueryCanceled
			eqt promql.ErrQueryTimeout
		)
		switch {
		case errors.As(res.Err, &eqc):
			writeError(w, apiError{"canceled", http.StatusServiceUnavailable, res.Err})
		case errors.As(res.Err, &eqt):
			writeError(w, apiError{"timeout", http.StatusServiceUnavailable, res.Err})
		default:
			writeError(w, apiError{"execution", http.StatusUnprocessableEntity, res.Err})
		}
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": res.Value.Type(), "result": encodeValue(res.Value)},
	})
}

func encodeValue(v parser.Value) any {
	switch r := v.(type) {
	case promql.Vector:
		out := make([]map[string]any, 0, len(r))
		for _, smp := range r {
			out = append(out, map[string]any{"metric": smp.Metric.Map(), "value": point(smp.T, smp.F)})
		}
		return out
	case promql.Scalar:
		return point(r.T, r.V)
	case promql.Matrix:
		out := make([]map[string]any, 0, len(r))
		for _, series := range r {
			pts := make([][2]any, 0, len(series.Floats))
			for _, p := range series.Floats {
				pts = append(pts, point(p.T, p.F))
			}
			out = append(out, map[string]any{"metric": series.Metric.Map(), "values": pts})
		}
		return out
	case promql.String:
		return [2]any{float64(r.T) / 1000, r.V}
	}
	return nil
}

func point(t int64, v float64) [2]any {
	return [2]any{float64(t) / 1000, formatFloat(v)}
}

func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func writeError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.status, map[string]any{"status": "error", "errorType": e.typ, "error": e.err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
	}
	return t, nil
}

func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
	}
	return d, nil
}
