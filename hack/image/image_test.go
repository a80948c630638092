package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testOptions is an image of a stand-in binary (an ELF header is all
// Verify reads of it) and certificate bundle.
func testOptions(version string) Options {
	return Options{
		Binary:   []byte("\x7fELF stand-in for ferry"),
		CACerts:  []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		Version:  version,
		Revision: "0123456789abcdef0123456789abcdef01234567",
		Created:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func build(tb testing.TB, o Options, dir, tarPath string) {
	tb.Helper()
	img, err := Build(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := Write(img, dir, tarPath, "ghcr.io/ferrycd/ferry", o.Version); err != nil {
		tb.Fatal(err)
	}
}

func TestBuildVerify(t *testing.T) {
	tmp := t.TempDir()
	dir, tarPath := filepath.Join(tmp, "image"), filepath.Join(tmp, "ferry.tar")
	o := testOptions("v1.2.3")
	build(t, o, dir, tarPath)
	if err := Verify(dir, tarPath, "v1.2.3", o.Revision); err != nil {
		t.Fatal(err)
	}
	img, ref, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ref != "ghcr.io/ferrycd/ferry:v1.2.3" {
		t.Errorf("reference %q", ref)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Labels[LabelCreated]; got != "2026-01-02T03:04:05Z" {
		t.Errorf("label %s: %q", LabelCreated, got)
	}
	if !cfg.Created.Equal(o.Created) {
		t.Errorf("created %v, want %v", cfg.Created, o.Created)
	}
	files, err := readFiles(img)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files["ferry"].contents); got != string(o.Binary) {
		t.Errorf("/ferry holds %q, want the binary", got)
	}
	if got := string(files["etc/ssl/certs/ca-certificates.crt"].contents); got != string(o.CACerts) {
		t.Errorf("%s holds %q, want the certificates", CACertsPath, got)
	}

	// The same inputs make the same image.
	again := filepath.Join(tmp, "again")
	build(t, o, again, "")
	img2, _, err := Read(again)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := img2.Digest()
	if d1 != d2 {
		t.Errorf("two builds of the same inputs: %s and %s", d1, d2)
	}
}

// TestVerifyFinds: verify fails, naming the difference, on an image that
// is not what was asked for.
func TestVerifyFinds(t *testing.T) {
	tmp := t.TempDir()
	dir, tarPath := filepath.Join(tmp, "image"), filepath.Join(tmp, "ferry.tar")
	build(t, testOptions("v1.2.3"), dir, tarPath)
	other := filepath.Join(tmp, "other")
	otherTar := filepath.Join(tmp, "other.tar")
	build(t, testOptions("v1.2.4"), other, otherTar)
	notELF := testOptions("v1.2.3")
	notELF.Binary = []byte("#!/bin/sh\n")
	script := filepath.Join(tmp, "script")
	build(t, notELF, script, "")
	rev := testOptions("").Revision
	tests := []struct {
		name, dir, tar, version, revision, want string
	}{
		{"version", dir, "", "v9.9.9", rev, `label org.opencontainers.image.version is "v1.2.3", want "v9.9.9"`},
		{"revision", dir, "", "v1.2.3", "feed", `label org.opencontainers.image.revision is "0123456789abcdef0123456789abcdef01234567", want "feed"`},
		{"tarball of another image", dir, otherTar, "v1.2.3", rev, "tags"},
		{"not a binary", script, "", "v1.2.3", rev, "/ferry is not an ELF binary"},
		{"no layout", filepath.Join(tmp, "none"), "", "v1.2.3", rev, "read image layout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.dir, tt.tar, tt.version, tt.revision)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("verify: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Errorf("the layout has no index.json: %v", err)
	}
}
