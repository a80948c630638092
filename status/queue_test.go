package status_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// TestParseSupersededReadsEnqueue reads back what Enqueue writes when a
// newer candidate supersedes a waiting one.
func TestParseSupersededReadsEnqueue(t *testing.T) {
	const old, newer = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	b, err := status.Read(gitstore.Reader{}, gitstore.Hash{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Enqueue("staging", "carts", &status.Run{ID: "r1", Candidate: old, Sequence: "delivery"}, status.Latest)
	b.Enqueue("staging", "carts", &status.Run{ID: "r2", Candidate: newer, Sequence: "delivery"}, status.Latest)
	entries := b.Slots[status.SlotKey("staging", "carts")].Superseded
	if len(entries) != 1 {
		t.Fatalf("superseded: %q", entries)
	}
	run, cand, by, ok := status.ParseSuperseded(entries[0])
	if diff := cmp.Diff([]any{"r1", "aaaaaaa", "bbbbbbb", true}, []any{run, cand, by, ok}); diff != "" {
		t.Errorf("ParseSuperseded(%q) (-want +got):\n%s", entries[0], diff)
	}
	if _, _, _, ok := status.ParseSuperseded("r1 aaaaaaa"); ok {
		t.Error("ParseSuperseded took a short entry")
	}
}
