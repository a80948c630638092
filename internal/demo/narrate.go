package demo

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
)

// styles are the ANSI colours of the narration's line styles.
var styles = map[string]string{"act": "1;36", "commit": "33", "ok": "32", "bad": "31", "dim": "2"}

// UseColor reports whether narration written to out should be coloured:
// not when noColor is set, nor when the NO_COLOR environment variable is
// set and non-empty (https://no-color.org), nor when out is not a terminal
// or TERM is dumb.
func UseColor(out io.Writer, noColor bool) bool {
	return useColor(noColor, os.Getenv, isTerminal(out))
}

func useColor(noColor bool, getenv func(string) string, terminal bool) bool {
	return !noColor && getenv("NO_COLOR") == "" && terminal && getenv("TERM") != "dumb"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// narrator prints the story, one line at a time, each with the seconds
// since the start.
type narrator struct {
	w     io.Writer
	color bool
	mu    sync.Mutex
	start time.Time
}

func (n *narrator) say(style, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if n.color && styles[style] != "" {
		msg = "\x1b[" + styles[style] + "m" + msg + "\x1b[0m"
	}
	_, _ = fmt.Fprintf(n.w, "%5.1fs  %s\n", time.Since(n.start).Seconds(), msg)
}

// narrate prints the new commits of main and the stage branches, and the
// gate of every new evaluation.
func (w *world) narrate(snap gitstore.Snapshot) {
	refs := append([]string{w.view.MainRef()}, snap.Names(gitstore.BranchRef("stage/"))...)
	sort.Strings(refs[1:])
	for _, ref := range refs {
		tip := snap.Get(ref)
		var fresh []*gitstore.Commit
		_ = w.view.Log(tip, gitstore.LogOptions{FirstParent: true, Limit: 50, Until: gitstore.NewHash(w.seen[ref])}, func(c *gitstore.Commit) error {
			fresh = append(fresh, c)
			return nil
		})
		w.seen[ref] = tip.String()
		branch := strings.TrimPrefix(ref, "refs/heads/")
		for i := len(fresh) - 1; i >= 0; i-- {
			c := fresh[i]
			w.n.say("commit", "%s %-16s %s", c.Hash.String()[:7], branch, c.Subject())
		}
	}
	status := snap.Get(w.view.FerryRef("status"))
	if status.IsZero() {
		return
	}
	for _, stage := range stageNames {
		for _, svc := range []string{"carts"} {
			records, _ := evaluator.History(w.view.Reader, status, stage, svc, 0)
			for i := len(records) - 1; i >= 0; i-- { // oldest first
				if rec := records[i]; !w.ledger[stage+"/"+rec.ID] {
					w.ledger[stage+"/"+rec.ID] = true
					w.narrateGate(stage, svc, rec)
				}
			}
		}
	}
}

// narrateGate prints a gate's verdict and, indented, its record.
func (w *world) narrateGate(stage, svc string, rec *evaluator.Record) {
	style := "ok"
	if rec.Result == evaluator.ResultFail {
		style = "bad"
	}
	w.n.say(style, "quality gate for %s in %s: %s, score %s", svc, stage, rec.Result, evaluator.FormatScore(rec.Score))
	var table strings.Builder
	_ = rec.WriteTable(&table)
	for _, line := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
		w.n.say("dim", "    %s", line)
	}
}
