package gitstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// A damage breaks the mirror of a fetched store on disk, as a crash, a full
// disk or a bad sector does; tip is the main branch's commit.
type damage func(tb testing.TB, mirror, tip string)

var damages = []struct {
	name string
	do   damage
	// missing means the objects are gone rather than unreadable: reads
	// cannot tell them from objects that never existed, the fetch can.
	missing bool
}{
	{name: "loose commit overwritten", do: overwriteLoose("")},
	{name: "loose blob overwritten", do: overwriteLoose(":services/carts/pin.yaml")},
	{name: "loose tree overwritten", do: overwriteLoose(":services/carts")},
	{name: "pack bytes flipped", do: damagePack(func(b []byte) []byte {
		for i := len(b) / 2; i < len(b)/2+64; i++ {
			b[i] ^= 0x55
		}
		return b
	})},
	{name: "pack truncated", do: damagePack(func(b []byte) []byte { return b[:len(b)/2] })},
	{name: "pack deleted", do: damagePack(func([]byte) []byte { return nil }), missing: true},
	// Open replaces a mirror it cannot open with an empty one.
	{name: "config garbled", do: func(tb testing.TB, mirror, _ string) {
		tb.Helper()
		rewrite(tb, filepath.Join(mirror, "config"), func([]byte) []byte { return []byte("[core\n") })
	}, missing: true},
}

func damageNamed(tb testing.TB, name string) damage {
	tb.Helper()
	for _, d := range damages {
		if d.name == name {
			return d.do
		}
	}
	tb.Fatalf("no damage %q", name)
	return nil
}

// overwriteLoose overwrites the middle of the loose object tip+rev.
func overwriteLoose(rev string) damage {
	return func(tb testing.TB, mirror, tip string) {
		tb.Helper()
		h := gittest.Git(tb, mirror, "rev-parse", tip+rev)
		rewrite(tb, filepath.Join(mirror, "objects", h[:2], h[2:]), func(b []byte) []byte {
			for i := len(b) / 2; i < len(b)/2+4; i++ {
				b[i] ^= 0xff
			}
			return b
		})
	}
}

// damagePack packs every object of the mirror into one pack, as a repack
// does, and rewrites the pack with fn; nil deletes it and its index.
func damagePack(fn func([]byte) []byte) damage {
	return func(tb testing.TB, mirror, _ string) {
		tb.Helper()
		gittest.Git(tb, mirror, "repack", "-adq")
		packs, err := filepath.Glob(filepath.Join(mirror, "objects", "pack", "*.pack"))
		if err != nil || len(packs) != 1 {
			tb.Fatalf("packs after repack: %v, %v", packs, err)
		}
		pack := packs[0]
		rewrite(tb, pack, fn)
		if fi, err := os.Stat(pack); err == nil && fi.Size() == 0 {
			for _, p := range []string{pack, strings.TrimSuffix(pack, ".pack") + ".idx"} {
				if err := os.Remove(p); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
}

func rewrite(tb testing.TB, path string, fn func([]byte) []byte) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// damaged returns a store on a fetched mirror that dmg broke, as ferry
// finds it after a restart, and the state directory.
func damaged(t *testing.T, srv *gittest.InProcess, tip string, dmg damage) (*gitstore.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	s := openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir })
	fetch(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dmg(t, filepath.Join(dir, "mirror.git"), tip)
	return openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir }), dir
}

// wantProject checks that s reads the whole seeded project at tip.
func wantProject(t *testing.T, s *gitstore.Store, tip string) {
	t.Helper()
	files, err := s.ReadDir(gitstore.NewHash(tip), "")
	if err != nil {
		t.Fatalf("read project: %v", err)
	}
	if got := string(files["services/carts/pin.yaml"]); got != "image: carts:0.11.1\n" || len(files) != 5 {
		t.Fatalf("read project: %d files, pin %q", len(files), got)
	}
}

// wantSound checks that a new store on dir needs nothing from the remote,
// reads the project, and that git finds the mirror intact.
func wantSound(t *testing.T, s *gitstore.Store, srv *gittest.InProcess, dir, tip string) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir })
	if res := fetch(t, again); res.Transferred || res.Healed {
		t.Errorf("fetch after healing: transferred=%v healed=%v, want nothing to do", res.Transferred, res.Healed)
	}
	wantProject(t, again, tip)
	gittest.Git(t, filepath.Join(dir, "mirror.git"), "fsck", "--full", "--strict")
}

// Every kind of damage is healed by the next update, which meets it in fn
// or in its fetch, and by the next fetch once a read met it: the mirror is
// rebuilt from the remote.
func TestDamagedMirrorHeals(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			t.Run("update", func(t *testing.T) {
				srv, tip := seeded(t)
				s, dir := damaged(t, srv, tip, d.do)
				healByUpdate(t, s, srv, tip)
				wantSound(t, s, srv, dir, tip)
			})
			t.Run("read then fetch", func(t *testing.T) {
				srv, tip := seeded(t)
				s, dir := damaged(t, srv, tip, d.do)
				_, err := s.ReadDir(gitstore.NewHash(tip), "")
				switch {
				case d.missing && !gitstore.IsNotFound(err):
					t.Fatalf("read damaged mirror: %v, want not found", err)
				case !d.missing && !gitstore.IsCorrupt(err):
					t.Fatalf("read damaged mirror: %v, want corrupt", err)
				}
				res, err := s.Fetch(context.Background())
				if err != nil || !res.Healed || !res.Transferred {
					t.Fatalf("fetch: healed=%v transferred=%v, %v; want healed", res.Healed, res.Transferred, err)
				}
				wantProject(t, s, tip)
				wantSound(t, s, srv, dir, tip)
			})
		})
	}
}

// healByUpdate copies the pin of main to a stage branch with an update
// that reads through the damage.
func healByUpdate(t *testing.T, s *gitstore.Store, srv *gittest.InProcess, tip string) {
	t.Helper()
	res, err := s.Update(context.Background(), copyPin(s))
	if err != nil || !res.Healed || !res.Pushed() {
		t.Fatalf("update: healed=%v pushed=%v, %v; want healed and pushed", res.Healed, res.Pushed(), err)
	}
	if res.Attempts != 1 || len(res.Fetches) != 1 {
		t.Errorf("update: %d attempts, %d fetches; the heal belongs to the round", res.Attempts, len(res.Fetches))
	}
	if got := gittest.Git(t, srv.Dir, "show", "stage/dev:pin.yaml"); got != "image: carts:0.11.1" {
		t.Errorf("stage/dev pin = %q", got)
	}
	wantProject(t, s, tip)
}

// A fetch reads the tips it keeps: a damaged tip heals before anyone reads it.
func TestFetchHealsDamagedTip(t *testing.T) {
	for _, name := range []string{"loose commit overwritten", "pack deleted"} {
		t.Run(name, func(t *testing.T) {
			srv, tip := seeded(t)
			s, dir := damaged(t, srv, tip, damageNamed(t, name))
			res := fetch(t, s)
			if !res.Healed || !res.Transferred {
				t.Fatalf("fetch: healed=%v transferred=%v, want healed", res.Healed, res.Transferred)
			}
			if diff := cmp.Diff(map[string]string{"refs/heads/main": tip}, refStrings(res.Snapshot)); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			wantSound(t, s, srv, dir, tip)
		})
	}
}

// A read whose error fn swallows still spoils the round: the update heals
// and runs fn again rather than push what it computed from a bad read.
func TestUpdateHealsSwallowedDamage(t *testing.T) {
	srv, tip := seeded(t)
	s, _ := damaged(t, srv, tip, damageNamed(t, "loose blob overwritten"))
	var reads []string
	res, err := s.Update(context.Background(), func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		pin, _ := b.ReadFile(snap.Get(s.MainRef()), "services/carts/pin.yaml")
		reads = append(reads, string(pin))
		_, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{
			Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("pin.yaml", pin)},
		})
		return err
	})
	if err != nil || !res.Healed {
		t.Fatalf("update: healed=%v, %v", res.Healed, err)
	}
	if diff := cmp.Diff([]string{"", "image: carts:0.11.1\n"}, reads); diff != "" {
		t.Errorf("reads of fn (-want +got):\n%s", diff)
	}
	if got := gittest.Git(t, srv.Dir, "log", "--format=%s", "stage/dev"); got != "deploy" {
		t.Errorf("stage/dev log = %q, want one commit", got)
	}
}

// Update heals once: damage that outlives the rebuild is returned.
func TestUpdateHealsOnce(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	calls := 0
	res, err := s.Update(context.Background(), func(gitstore.Snapshot, *gitstore.Batch) error {
		calls++
		return fmt.Errorf("read blob: %w", gitstore.ErrCorrupt)
	})
	if !gitstore.IsCorrupt(err) || !res.Healed || calls != 2 {
		t.Errorf("update: healed=%v calls=%d, %v; want corrupt after one heal and 2 calls", res.Healed, calls, err)
	}
}

// A heal needs the remote. While it is down the damaged mirror stays as it
// is, locked, and the error is transient; once it is back, the next update
// heals.
func TestHealWithRemoteDown(t *testing.T) {
	srv, tip := seeded(t)
	s, dir := damaged(t, srv, tip, damageNamed(t, "loose commit overwritten"))
	srv.SetDown(true)
	for name, op := range map[string]func() error{
		"heal":   func() error { _, err := s.Heal(context.Background()); return err },
		"fetch":  func() error { _, err := s.Fetch(context.Background()); return err },
		"update": func() error { _, err := s.Update(context.Background(), copyPin(s)); return err },
	} {
		if err := op(); !gitstore.IsTransient(err) {
			t.Errorf("%s with the remote down: %v, want transient", name, err)
		}
	}
	if _, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: dir}); !errors.Is(err, gitstore.ErrLocked) {
		t.Errorf("open the state dir meanwhile: %v, want ErrLocked", err)
	}
	if snap, err := s.Snapshot(); err != nil || snap.Get(s.MainRef()).String() != tip {
		t.Errorf("mirror refs meanwhile: %v, %v; want main kept", snap, err)
	}

	srv.SetDown(false)
	res, err := s.Update(context.Background(), copyPin(s))
	if err != nil || !res.Healed || !res.Pushed() {
		t.Fatalf("update with the remote back: healed=%v pushed=%v, %v", res.Healed, res.Pushed(), err)
	}
	wantSound(t, s, srv, dir, tip)
}

func copyPin(s *gitstore.Store) gitstore.UpdateFunc {
	return func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		pin, err := b.ReadFile(snap.Get(s.MainRef()), "services/carts/pin.yaml")
		if err != nil {
			return err
		}
		_, err = b.Commit(s.StageRef("dev"), gitstore.CommitRequest{
			Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("pin.yaml", pin)},
		})
		return err
	}
}

// A commit missing from the history the mirror has is damage, not a commit
// that never existed: the walk says corrupt, and the update heals.
func TestMissingParentIsCorrupt(t *testing.T) {
	srv, first := seeded(t)
	tip := gittest.CommitFiles(t, srv.Dir, "main", "bump", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	s, _ := damaged(t, srv, tip, func(tb testing.TB, mirror, _ string) {
		tb.Helper()
		if err := os.Remove(filepath.Join(mirror, "objects", first[:2], first[2:])); err != nil {
			tb.Fatal(err)
		}
	})
	err := s.Log(gitstore.NewHash(tip), gitstore.LogOptions{}, func(*gitstore.Commit) error { return nil })
	if !gitstore.IsCorrupt(err) || gitstore.IsNotFound(err) {
		t.Errorf("log: %v, want corrupt", err)
	}
	if _, err := s.IsAncestor(gitstore.NewHash(first), gitstore.NewHash(tip), gitstore.LogOptions{}); !gitstore.IsCorrupt(err) {
		t.Errorf("is ancestor: %v, want corrupt", err)
	}
	var subjects []string
	res, err := s.Update(context.Background(), func(snap gitstore.Snapshot, _ *gitstore.Batch) error {
		subjects = subjects[:0]
		return s.Log(snap.Get(s.MainRef()), gitstore.LogOptions{}, func(c *gitstore.Commit) error {
			subjects = append(subjects, c.Subject())
			return nil
		})
	})
	if err != nil || !res.Healed {
		t.Fatalf("update: healed=%v, %v", res.Healed, err)
	}
	if diff := cmp.Diff([]string{"bump", "seed: a small ferry project"}, subjects); diff != "" {
		t.Errorf("history after healing (-want +got):\n%s", diff)
	}
}
