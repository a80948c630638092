package gitstore_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
)

func TestParseTrailers(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want gitstore.Trailers
	}{
		{"subject only", "Ferry-Service: carts\n", nil},
		{"no trailers", "deploy\n\nsome body text\n", nil},
		{
			"ferry trailers",
			"deploy carts\n\nbody\n\nFerry-Service: carts\nFerry-Verdict: pass 95.5\n",
			gitstore.Trailers{{Key: "Ferry-Service", Value: "carts"}, {Key: "Ferry-Verdict", Value: "pass 95.5"}},
		},
		{
			"continuation line",
			"x\n\nFerry-Problem: p1\nNote: a long\n  value\n",
			gitstore.Trailers{{Key: "Ferry-Problem", Value: "p1"}, {Key: "Note", Value: "a long value"}},
		},
		{"mixed last paragraph is not a block", "x\n\nFerry-Service: carts\nnot a trailer\n", nil},
		{"comment lines ignored", "x\n\nSigned-off-by: A <a@b>\n# comment\n", gitstore.Trailers{{Key: "Signed-off-by", Value: "A <a@b>"}}},
		{"key with space is not a trailer", "x\n\nnot a key: v\n", nil},
		{"CRLF", "x\r\n\r\nFerry-Run: r1\r\n", gitstore.Trailers{{Key: "Ferry-Run", Value: "r1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, gitstore.ParseTrailers(tt.msg)); diff != "" {
				t.Errorf("ParseTrailers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatMessageRoundTrips(t *testing.T) {
	tr := gitstore.Trailers{{Key: "Ferry-Service", Value: "carts"}, {Key: "Ferry-Run", Value: "r-1"}}
	msg := gitstore.FormatMessage("deploy carts\n\nwith a body\n\n", tr)
	if want := "deploy carts\n\nwith a body\n\nFerry-Service: carts\nFerry-Run: r-1\n"; msg != want {
		t.Errorf("FormatMessage = %q, want %q", msg, want)
	}
	if diff := cmp.Diff(tr, gitstore.ParseTrailers(msg)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got, _ := gitstore.ParseTrailers(msg).Get("ferry-run"); got != "r-1" {
		t.Errorf("Get is case-insensitive: got %q", got)
	}
}

// gitTrailers returns the trailers git interpret-trailers reads in msg.
func gitTrailers(tb testing.TB, msg string) string {
	tb.Helper()
	cmd := exec.Command("git", "interpret-trailers", "--parse")
	cmd.Stdin = strings.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("git interpret-trailers: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// Only the trailers given become trailers: a message's own last paragraph
// never reads as a trailer block, to ferry or to Git.
func TestFormatMessageNeverForgesTrailers(t *testing.T) {
	for _, msg := range []string{
		"report: test r1\n\nFerry-Stage: production",
		"status: 1 transition(s)\n\ndev/carts r1 deployed\nFerry-Stage: production\n",
		"x\n\nbody\n\nFerry-Run: r1\n# a comment\nFerry-Stage : production\n\n\n",
		"x\n\nSigned-off-by: A <a@b>\nsome words\nmore words\nand more",
		"x\n\n(cherry picked from commit 0123456)\nwords",
		"x\r\n\r\nFerry-Run: r1\r\n",
	} {
		got := gitstore.FormatMessage(msg, nil)
		if tr := gitstore.ParseTrailers(got); tr != nil {
			t.Errorf("FormatMessage(%q) = %q: ParseTrailers reads %v", msg, got, tr)
		}
		if tr := gitTrailers(t, got); tr != "" {
			t.Errorf("FormatMessage(%q) = %q: git reads trailers %q", msg, got, tr)
		}
		withTrailer := gitstore.FormatMessage(msg, gitstore.Trailers{{Key: "Ferry-Run", Value: "r2"}})
		if tr := gitTrailers(t, withTrailer); tr != "Ferry-Run: r2" {
			t.Errorf("FormatMessage(%q, Ferry-Run) = %q: git reads trailers %q", msg, withTrailer, tr)
		}
	}
	// Messages that hold no trailer-like last paragraph are unchanged.
	for _, msg := range []string{"deploy", "Ferry-Run: r1", "deploy\n\nRendered from main.", "roll back\n\ncarts failed in prod (run r1)."} {
		if got := gitstore.FormatMessage(msg, nil); got != msg+"\n" {
			t.Errorf("FormatMessage(%q) = %q, want it unchanged", msg, got)
		}
	}
}

func FuzzParseTrailers(f *testing.F) {
	f.Add("deploy\n\nFerry-Service: carts\nFerry-Verdict: pass 95.5\n")
	f.Add("x\n\nA: b\n  c\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, msg string) {
		tr := gitstore.ParseTrailers(msg)
		for _, x := range tr {
			if x.Key == "" {
				t.Fatalf("empty key from %q", msg)
			}
		}
		if len(tr) == 0 {
			return
		}
		// What was read is written back the same way and reads the same.
		again := gitstore.ParseTrailers(gitstore.FormatMessage("subject", tr))
		if diff := cmp.Diff(tr, again); diff != "" {
			t.Fatalf("round trip of %q (-first +again):\n%s", msg, diff)
		}
	})
}
