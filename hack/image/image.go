package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What every ferry image holds and how it runs.
const (
	BinaryPath  = "/ferry"
	CACertsPath = "/etc/ssl/certs/ca-certificates.crt"
	User        = "65532:65532"
	Source      = "https://github.com/ferrycd/ferry"
	DefaultCmd  = "controller"
)

// OCI image labels (the annotation keys of the image spec).
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelVersion  = "org.opencontainers.image.version"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	refNameKey    = "org.opencontainers.image.ref.name"
)

// Options say what goes into an image.
type Options struct {
	Binary   []byte    // a static linux/amd64 ferry
	CACerts  []byte    // a PEM bundle
	Version  string    // the release, e.g. v1.2.3 (the image's tag)
	Revision string    // the commit
	Created  time.Time // the commit's time, so that a build is reproducible
}

// Build returns ferry's image.
func Build(o Options) (v1.Image, error) {
	if len(o.Binary) == 0 {
		return nil, errors.New("build image: no binary")
	}
	if o.Version == "" {
		return nil, errors.New("build image: no version")
	}
	files, err := rootfs(o)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(files)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("build image layer: %w", err)
	}
	created := v1.Time{Time: o.Created.UTC()}
	cfg := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      created,
		Config: v1.Config{
			Entrypoint: []string{BinaryPath},
			Cmd:        []string{DefaultCmd},
			User:       User,
			WorkingDir: "/home/nonroot",
			Env: []string{
				"HOME=/home/nonroot",
				"SSL_CERT_FILE=" + CACertsPath,
			},
			Labels: map[string]string{
				LabelSource:   Source,
				LabelRevision: o.Revision,
				LabelVersion:  o.Version,
				LabelCreated:  created.Format(time.RFC3339),
				LabelTitle:    "ferry",
			},
		},
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, fmt.Errorf("build image config: %w", err)
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: created, CreatedBy: "make image", Comment: "ferry " + o.Version},
	})
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	return img, nil
}

// rootfs returns the layer's tar: the files of Options, the user nonroot
// and the directories, owned by root except the home, with the times of
// Created.
func rootfs(o Options) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	mod := o.Created.UTC()
	entries := []struct {
		name     string
		mode     int64
		uid      int
		dir      bool
		contents []byte
	}{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, contents: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "etc/passwd", mode: 0o644, contents: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, contents: o.CACerts},
		{name: "ferry", mode: 0o755, contents: o.Binary},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, uid: 65532, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: mod,
			Typeflag: tar.TypeReg, Size: int64(len(e.contents)), Format: tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("write image layer %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.contents); err != nil {
			return nil, fmt.Errorf("write image layer %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write image layer: %w", err)
	}
	return b.Bytes(), nil
}

// Write writes img as an OCI image layout at dir (replacing it) and, when
// tarPath is set, as a tarball that docker load reads, tagged repo:version.
func Write(img v1.Image, dir, tarPath, repo, version string) error {
	tag, err := name.NewTag(repo + ":" + version)
	if err != nil {
		return fmt.Errorf("image tag %s:%s: %w", repo, version, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write image layout %s: %w", dir, err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refNameKey: tag.String()})); err != nil {
		return fmt.Errorf("write image layout %s: %w", dir, err)
	}
	if tarPath == "" {
		return nil
	}
	if err := tarball.WriteToFile(tarPath, tag, img); err != nil {
		return fmt.Errorf("write image tarball %s: %w", tarPath, err)
	}
	return nil
}
