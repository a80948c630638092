package evaluator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Defaults for [PrometheusOptions].
const (
	DefaultQueryTimeout = 30 * time.Second
	DefaultConcurrency  = 4
)

// PrometheusOptions configure the SLI source.
type PrometheusOptions struct {
	// URL of the Prometheus HTTP API, e.g. http://prometheus:9090.
	URL string
	// BearerTokenFile holds a bearer token, re-read for every evaluation.
	BearerTokenFile string
	// BasicAuthUser and BasicAuthPasswordFile set basic authentication.
	BasicAuthUser         string
	BasicAuthPasswordFile string
	// CAFile is a PEM bundle of certificate authorities to trust.
	CAFile string
	// Timeout bounds each query. Default 30s.
	Timeout time.Duration
	// Concurrency bounds the queries of one evaluation run at once.
	// Default 4.
	Concurrency int
}

// Validate fills defaults and reports every problem at once.
func (o *PrometheusOptions) Validate() error {
	var errs []error
	if o.URL == "" {
		errs = append(errs, errors.New("prometheus url: must not be empty"))
	}
	if o.BearerTokenFile != "" && o.BasicAuthPasswordFile != "" {
		errs = append(errs, errors.New("prometheus auth: set a bearer token or basic auth, not both"))
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultQueryTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return errors.Join(errs...)
}

// Querier runs one SLI query at an instant and returns its single value.
type Querier interface {
	Query(ctx context.Context, query string, at time.Time) (float64, error)
}

// Prometheus queries the Prometheus HTTP API through client_golang.
type Prometheus struct {
	api  promv1.API
	opts PrometheusOptions
	// secrets are the credentials sent so far: an error reason never
	// holds them.
	secrets *secretSet
}

var _ Querier = (*Prometheus)(nil)

// NewPrometheus returns a querier for the Prometheus at opts.URL.
func NewPrometheus(opts PrometheusOptions) (*Prometheus, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	secrets := &secretSet{}
	rt, err := opts.roundTripper(secrets)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(opts.URL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets.addBasic(u.User.Username(), pw)
		}
	}
	c, err := api.NewClient(api.Config{Address: opts.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %s", secrets.scrub(err.Error()))
	}
	return &Prometheus{api: promv1.NewAPI(c), opts: opts, secrets: secrets}, nil
}

func (o PrometheusOptions) roundTripper(secrets *secretSet) (http.RoundTripper, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection per concurrent query: the default of two idle
	// connections per host would open and close one per query.
	base.MaxIdleConnsPerHost = 2 * o.Concurrency
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read prometheus ca file: %w", err)
		}
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("prometheus ca file %s holds no certificate", o.CAFile)
		}
		base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &authTransport{base: base, opts: o, secrets: secrets}, nil
}

// authTransport adds credentials read from files to every request, and
// remembers them in secrets.
type authTransport struct {
	base    http.RoundTripper
	opts    PrometheusOptions
	secrets *secretSet
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case t.opts.BearerTokenFile != "":
		tok, err := readSecret(t.opts.BearerTokenFile)
		if err != nil {
			return nil, err
		}
		t.secrets.add(tok)
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+tok)
	case t.opts.BasicAuthPasswordFile != "":
		pw, err := readSecret(t.opts.BasicAuthPasswordFile)
		if err != nil {
			return nil, err
		}
		t.secrets.addBasic(t.opts.BasicAuthUser, pw)
		req = req.Clone(req.Context())
		req.SetBasicAuth(t.opts.BasicAuthUser, pw)
	}
	return t.base.RoundTrip(req)
}

func readSecret(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read prometheus credentials: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Query runs an instant query at at. It fails unless the result is exactly
// one sample (or a scalar) holding a finite number. An error from
// Prometheus is recorded: its text is one line of at most
// [MaxReasonLength] bytes without any credential sent.
func (p *Prometheus) Query(ctx context.Context, query string, at time.Time) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	// The timeout is ours alone: told the same timeout, Prometheus could
	// give up first and answer a bare 503. When we give up, the closed
	// connection cancels the query on the server.
	v, _, _, err := p.api.Query(ctx, query, at)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, fmt.Errorf("timed out after %s", p.opts.Timeout)
		}
		return 0, errors.New(reason(p.secrets.scrub(queryError(err))))
	}
	return singleValue(v)
}

// queryError shortens client_golang's errors to what a person needs.
func queryError(err error) string {
	var perr *promv1.Error
	if errors.As(err, &perr) {
		return fmt.Sprintf("prometheus: %s: %s", perr.Type, perr.Msg)
	}
	return "prometheus: " + err.Error()
}

func singleValue(v model.Value) (float64, error) {
	var f float64
	switch r := v.(type) {
	case model.Vector:
		switch len(r) {
		case 0:
			return 0, errors.New("no data: the query returned no series")
		case 1:
			f = float64(r[0].Value)
		default:
			return 0, fmt.Errorf("the query returned %d series (%s); an SLI query must return exactly one", len(r), seriesNames(r))
		}
	case *model.Scalar:
		f = float64(r.Value)
	case model.Matrix:
		return 0, errors.New("the query returned a range vector; wrap it in a function such as rate() or avg_over_time()")
	default:
		return 0, fmt.Errorf("the query returned a %s, not a number", v.Type())
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("the query returned %v, not a number", f)
	}
	return f, nil
}

func seriesNames(v model.Vector) string {
	var names []string
	for i, s := range v {
		if i == 2 {
			names = append(names, "…")
			break
		}
		names = append(names, s.Metric.String())
	}
	return strings.Join(names, ", ")
}

// Placeholders hold what Keptn's SLI placeholders stand for.
type Placeholders struct {
	Project, Stage, Service, Deployment string
	// Window sets $DURATION_SECONDS.
	Window Window
	// Labels set $LABEL.<key>.
	Labels map[string]string
	// Filter is the SLO's filter: each key k sets $k.
	Filter map[string]string
}

var placeholder = regexp.MustCompile(`\$LABEL\.[A-Za-z0-9_./-]*[A-Za-z0-9_]|\$[A-Za-z_][A-Za-z0-9_]*`)

// Substitute replaces Keptn's placeholders in query: $PROJECT, $STAGE,
// $SERVICE, $DEPLOYMENT, $DURATION_SECONDS (the window in whole seconds,
// with the unit: "300s"), $LABEL.<key> and the keys of the SLO filter.
// Unknown placeholders are an error, so that no query runs half-filled.
func (ph Placeholders) Substitute(query string) (string, error) {
	var unknown []string
	out := placeholder.ReplaceAllStringFunc(query, func(m string) string {
		if v, ok := ph.lookup(m[1:]); ok {
			return v
		}
		unknown = append(unknown, m)
		return m
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return out, fmt.Errorf("unknown placeholder %s", strings.Join(unknown, ", "))
	}
	return out, nil
}

func (ph Placeholders) lookup(name string) (string, bool) {
	if key, ok := strings.CutPrefix(name, "LABEL."); ok {
		v, ok := ph.Labels[key]
		return v, ok
	}
	switch name {
	case "PROJECT":
		return ph.Project, true
	case "STAGE":
		return ph.Stage, true
	case "SERVICE":
		return ph.Service, true
	case "DEPLOYMENT":
		return ph.Deployment, ph.Deployment != ""
	case "DURATION_SECONDS":
		return fmt.Sprintf("%ds", int64(ph.Window.Duration().Seconds())), true
	}
	if v, ok := ph.Filter[name]; ok {
		return v, true
	}
	return "", false
}

// ErrNoQuerier is the reason of every value when no SLI source is set.
var ErrNoQuerier = errors.New("no Prometheus is configured (--prometheus-url)")

// NoQuerier answers every query with ErrNoQuerier: gates fail with the
// reason instead of passing on missing data.
type NoQuerier struct{}

var _ Querier = NoQuerier{}

// Query returns ErrNoQuerier.
func (NoQuerier) Query(context.Context, string, time.Time) (float64, error) { return 0, ErrNoQuerier }
