package gitstore_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestSizeAndListFiles(t *testing.T) {
	srv, _ := seeded(t)
	sha := gittest.CommitFiles(t, srv.Dir, "main", "add a big file", gittest.Files{
		"big.bin": gittest.Text(strings.Repeat("x", 1<<20)),
	})
	s := openStore(t, srv.URL)
	fetch(t, s)
	c := gitstore.NewHash(sha)

	if n, err := s.Size(c, "big.bin"); err != nil || n != 1<<20 {
		t.Errorf("Size(big.bin) = %d, %v", n, err)
	}
	if n, err := s.Size(c, "services/carts/pin.yaml"); err != nil || n != int64(len("image: carts:0.11.1\n")) {
		t.Errorf("Size(pin.yaml) = %d, %v", n, err)
	}
	for _, p := range []string{"services/carts", "nope.yaml", "services/nope/x"} {
		if _, err := s.Size(c, p); !gitstore.IsNotFound(err) {
			t.Errorf("Size(%q) = %v, want not found", p, err)
		}
	}

	got, err := s.ListFiles(c, "services/carts/chart")
	if err != nil {
		t.Fatal(err)
	}
	files, err := s.ReadDir(c, "services/carts/chart")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for p, b := range files {
		want[p] = int64(len(b))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListFiles (-want +got):\n%s", diff)
	}
	if got, err := s.ListFiles(c, "services/nope"); err != nil || len(got) != 0 {
		t.Errorf("ListFiles(missing) = %v, %v", got, err)
	}
}
