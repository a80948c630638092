package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/evaluator"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// pageNames are the page templates, each a "content" block in the layout.
var pageNames = []string{"index", "board", "service", "problems", "error"}

// pages holds the parsed templates, one set per page.
type pages struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"short": shortSHA,
	"wrap":  wrapPin,
	// ordinal numbers from 1 what status counts from 0, as the CLI does.
	"ordinal": func(i int) int { return i + 1 },
	"score": func(s *float64) string {
		if s == nil {
			return ""
		}
		return evaluator.FormatScore(*s)
	},
	"num":          evaluator.FormatScore,
	"verdictClass": verdictClass,
	"condClass": func(c metav1.Condition) string {
		switch {
		case c.Type == "Ready" && c.Status == metav1.ConditionTrue:
			return "ok"
		case c.Type == "Ready", c.Type == "Stalled" && c.Status == metav1.ConditionTrue:
			return "bad"
		default:
			return "info"
		}
	},
}

func newPages() *pages {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
		p.sets[name] = t
	}
	return p
}

// page is what the layout needs besides the page's own data.
type page struct {
	Title string
	// Crumbs lead from the projects list to the page.
	Crumbs []link
	// Live is the event stream the page follows; Fragment the URL of the
	// page's content, fetched again when the stream says the refs moved.
	Live, Fragment string
	// Charts loads uPlot.
	Charts bool
	Data   any
}

type link struct {
	Text, URL string
}

// render writes a page, or only its content when the request asks for the
// fragment (?fragment=1), as live updates do.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, code int, pg page) {
	t := s.pages.sets[name]
	var buf bytes.Buffer
	tmpl := "layout"
	if r.URL.Query().Get("fragment") != "" {
		tmpl = "content"
	}
	if err := t.ExecuteTemplate(&buf, tmpl, pg); err != nil {
		s.opts.Log.Error(err, "render failed", "page", name)
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.render(w, r, "error", code, page{Title: http.StatusText(code), Crumbs: []link{{"Projects", "/"}}, Data: msg})
}

// pageState loads the state of the project a page addresses, or renders
// why it cannot: the page counterpart of apiState.
func (s *Server) pageState(w http.ResponseWriter, r *http.Request) (*state, bool) {
	p, ok := s.project(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "No project "+r.PathValue("namespace")+"/"+r.PathValue("name")+".")
		return nil, false
	}
	st, err := s.load(r.Context(), p)
	if err != nil {
		s.readFail(w, r, err)
		return nil, false
	}
	return st, true
}

// readFail renders the error page of a failed read: 404 for what Git
// does not hold (no status yet, an unknown service), else 500, logged.
func (s *Server) readFail(w http.ResponseWriter, r *http.Request, err error) {
	if notHeld(err) {
		s.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	s.opts.Log.Error(err, "read failed", "path", r.URL.Path)
	s.fail(w, r, http.StatusInternalServerError, err.Error())
}

// assetHandler serves the embedded assets, cached for a day.
func assetHandler() http.Handler {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the directory is embedded
	}
	files := http.StripPrefix("/assets/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// verdictClass is the style of a verdict: pass, warning, fail or none.
func verdictClass(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case evaluator.ResultPass, evaluator.ResultWarning, evaluator.ResultFail:
		return v
	}
	return "none"
}

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) {
	var rows []ProjectInfo
	for _, p := range s.projects() {
		rows = append(rows, s.projectInfo(r, p))
	}
	s.render(w, r, "index", http.StatusOK, page{
		Title: "Projects", Live: "/events", Fragment: "/?fragment=1", Data: rows,
	})
}

// wrapPin lets a pin (image=registry/repo:tag) wrap after its / : and =
// rather than anywhere: the text escaped, with a <wbr> after each.
func wrapPin(pin string) template.HTML {
	var b strings.Builder
	for _, r := range pin {
		b.WriteString(template.HTMLEscapeString(string(r)))
		if r == '/' || r == ':' || r == '=' {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every rune is escaped; only <wbr> is added
}
