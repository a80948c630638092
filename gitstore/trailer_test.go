package gitstore_test

import (
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
