package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func openFile(path string) (io.ReadCloser, error) { return os.Open(path) }

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: image build|verify [flags]")
	}
	fs := flag.NewFlagSet("image "+args[0], flag.ContinueOnError)
	dir := fs.String("layout", "dist/image", "the OCI image layout to write or read")
	tarPath := fs.String("tar", "", "the tarball (docker load) to write or read too")
	version := fs.String("version", "", "ferry's version, the image's tag")
	revision := fs.String("revision", "", "the commit")
	switch args[0] {
	case "build":
		binary := fs.String("binary", "", "the static linux/amd64 ferry binary")
		caCerts := fs.String("ca-certs", "/etc/ssl/certs/ca-certificates.crt", "the CA certificates (PEM) to copy")
		created := fs.String("created", "", "the image's creation time, RFC 3339 (the commit's)")
		repo := fs.String("repository", "ghcr.io/ferrycd/ferry", "the image's repository, with version its tag")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		o := Options{Version: *version, Revision: *revision}
		var err error
		if o.Binary, err = os.ReadFile(*binary); err != nil {
			return fmt.Errorf("read binary: %w", err)
		}
		if o.CACerts, err = os.ReadFile(*caCerts); err != nil {
			return fmt.Errorf("read CA certificates: %w", err)
		}
		if *created != "" {
			if o.Created, err = time.Parse(time.RFC3339, *created); err != nil {
				return fmt.Errorf("-created %q: %w", *created, err)
			}
		}
		img, err := Build(o)
		if err != nil {
			return err
		}
		if err := Write(img, *dir, *tarPath, *repo, *version); err != nil {
			return err
		}
		d, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Printf("image: wrote %s:%s (%s) to %s %s\n", *repo, *version, d, *dir, *tarPath)
		return nil
	case "verify":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := Verify(*dir, *tarPath, *version, *revision); err != nil {
			return err
		}
		fmt.Printf("image: %s %s: ferry %s (%s) for linux/amd64, /ferry as %s\n", *dir, *tarPath, *version, *revision, User)
		return nil
	}
	return fmt.Errorf("unknown command %q: usage: image build|verify [flags]", args[0])
}
