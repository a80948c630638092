package demo

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferrycd/ferry/examples"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// seed creates the bare repository and commits the sockshop example to
// main, its durations divided by speed.
func seed(ctx context.Context, repo, state string, speed float64) error {
	r, err := git.PlainInit(repo, true)
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if err := r.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main")); err != nil {
		return fmt.Errorf("point HEAD at main: %w", err)
	}
	files, err := exampleFiles(speed)
	if err != nil {
		return err
	}
	edits := make([]gitstore.Edit, 0, len(files))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		edits = append(edits, gitstore.Put(name, files[name]))
	}
	return commitMain(ctx, repo, state, "sockshop: carts 0.11.1 and carts-db", edits)
}

// exampleFiles are the sockshop example's files by path in the
// repository, the durations of shipyard.yaml and ferry.yaml divided by
// speed.
func exampleFiles(speed float64) (stages.Files, error) {
	files := stages.Files{}
	err := fs.WalkDir(examples.Sockshop, "sockshop", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := examples.Sockshop.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "sockshop/")
		if rel == stages.ShipyardFile || rel == stages.ConfigFile {
			data = scaleDurations(data, speed)
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read example: %w", err)
	}
	return files, nil
}

// bump pins carts to a version on main, as CI does.
func bump(ctx context.Context, repo, state, version string) error {
	return commitMain(ctx, repo, state, "bump carts to "+version,
		[]gitstore.Edit{gitstore.Put("services/carts/pin.yaml", []byte("image: docker.io/keptnexamples/carts:"+version+"\n"))})
}

// commitMain commits to main as CI does, retrying when ferry pushed meanwhile.
func commitMain(ctx context.Context, repo, state, msg string, edits []gitstore.Edit) error {
	s, err := gitstore.Open(gitstore.Options{URL: repo, Dir: state})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	_, err = s.Update(ctx, func(_ gitstore.Snapshot, b *gitstore.Batch) error {
		_, err := b.Commit(s.MainRef(), gitstore.CommitRequest{
			Message: msg, Edits: edits,
			Author: ciSignature(), Committer: ciSignature(),
		})
		return err
	})
	return err
}

// ciSignature is who commits to main in the demo.
func ciSignature() object.Signature {
	return object.Signature{Name: "CI", Email: "ci@sockshop.example"}
}

var durationValue = regexp.MustCompile(`(\d+)s\b`)

// scaleDurations divides the durations of a file by speed, in
// milliseconds and never below 100ms.
func scaleDurations(data []byte, speed float64) []byte {
	if speed == 1 {
		return data
	}
	return durationValue.ReplaceAllFunc(data, func(m []byte) []byte {
		v, _ := strconv.Atoi(string(m[:len(m)-1]))
		ms := int(float64(v) * 1000 / speed)
		return []byte(strconv.Itoa(max(ms, 100)) + "ms")
	})
}
