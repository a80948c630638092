package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// file is what Verify reads of a file of the image.
type file struct {
	mode     int64
	uid, gid int
	dir      bool
	contents []byte
}

// Read returns the one image of the OCI image layout at dir and its tag.
func Read(dir string) (v1.Image, string, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	if len(m.Manifests) != 1 {
		return nil, "", fmt.Errorf("read image layout %s: %d manifests, want 1", dir, len(m.Manifests))
	}
	d := m.Manifests[0]
	img, err := idx.Image(d.Digest)
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	return img, d.Annotations[refNameKey], nil
}

// Verify reads the image of the layout at dir, and the tarball at tarPath
// when set, back and returns what differs from ferry's image of version
// and revision.
func Verify(dir, tarPath, version, revision string) error {
	img, ref, err := Read(dir)
	if err != nil {
		return err
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !strings.HasSuffix(ref, ":"+version) {
		bad("reference %q does not carry the tag %s", ref, version)
	}
	if mt, err := img.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
		bad("manifest media type %s (%v), want %s", mt, err, types.OCIManifestSchema1)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("read image config in %s: %w", dir, err)
	}
	c := cfg.Config
	if cfg.OS != "linux" || cfg.Architecture != "amd64" {
		bad("platform %s/%s, want linux/amd64", cfg.OS, cfg.Architecture)
	}
	if !slices.Equal(c.Entrypoint, []string{BinaryPath}) || !slices.Equal(c.Cmd, []string{DefaultCmd}) {
		bad("entrypoint %q and cmd %q, want [%s] and [%s]", c.Entrypoint, c.Cmd, BinaryPath, DefaultCmd)
	}
	if c.User != User {
		bad("user %q, want %s", c.User, User)
	}
	for k, want := range map[string]string{LabelSource: Source, LabelVersion: version, LabelRevision: revision} {
		if c.Labels[k] != want {
			bad("label %s is %q, want %q", k, c.Labels[k], want)
		}
	}
	files, err := readFiles(img)
	if err != nil {
		return fmt.Errorf("read image layers in %s: %w", dir, err)
	}
	if f, ok := files["ferry"]; !ok || f.dir || f.mode != 0o755 || len(f.contents) == 0 {
		bad("/ferry: %+v, want a non-empty file of mode 0755", summary(f))
	} else if !bytes.HasPrefix(f.contents, []byte("\x7fELF")) {
		bad("/ferry is not an ELF binary")
	}
	if f, ok := files["etc/ssl/certs/ca-certificates.crt"]; !ok || !bytes.Contains(f.contents, []byte("-----BEGIN CERTIFICATE-----")) {
		bad("%s holds no PEM certificate", CACertsPath)
	}
	if f, ok := files["tmp"]; !ok || !f.dir || f.mode != 0o1777 {
		bad("/tmp: %+v, want a directory of mode 1777", summary(f))
	}
	if f, ok := files["home/nonroot"]; !ok || f.uid != 65532 || f.gid != 65532 {
		bad("/home/nonroot: %+v, want owned by 65532:65532", summary(f))
	}
	if !bytes.Contains(files["etc/passwd"].contents, []byte("nonroot:x:65532:65532:")) {
		bad("/etc/passwd does not name the user 65532")
	}
	if tarPath != "" {
		if err := sameImage(img, tarPath, ref); err != nil {
			bad("%v", err)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("image %s:\n  %s", dir, strings.Join(problems, "\n  "))
	}
	return nil
}

// summary is a file's attributes without its contents.
func summary(f file) string {
	return fmt.Sprintf("mode %o, owner %d:%d, directory %v, %d bytes", f.mode, f.uid, f.gid, f.dir, len(f.contents))
}

// readFiles returns the files of the image's flattened layers by path.
func readFiles(img v1.Image) (map[string]file, error) {
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	files := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[strings.TrimSuffix(h.Name, "/")] = file{mode: h.Mode, uid: h.Uid, gid: h.Gid, dir: h.Typeflag == tar.TypeDir, contents: b}
	}
}

// sameImage checks that the tarball at path holds img, tagged ref.
func sameImage(img v1.Image, path, ref string) error {
	fromTar, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return fmt.Errorf("read image tarball %s: %w", path, err)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return openFile(path) })
	if err != nil {
		return fmt.Errorf("read image tarball %s: %w", path, err)
	}
	if len(m) != 1 || !slices.Contains(m[0].RepoTags, ref) {
		return fmt.Errorf("image tarball %s: tags %v, want [%s]", path, m, ref)
	}
	want, err := img.ConfigName()
	if err != nil {
		return err
	}
	got, err := fromTar.ConfigName()
	if err != nil {
		return fmt.Errorf("read image tarball %s: %w", path, err)
	}
	if got != want {
		return fmt.Errorf("image tarball %s: config %s, the layout's is %s", path, got, want)
	}
	return nil
}
