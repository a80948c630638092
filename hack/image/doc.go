// Command image builds ferry's container image without a container engine,
// with go-containerregistry, and checks what it wrote (make image):
//
//	go run . build -binary ferry-linux-amd64 -layout dist/image -tar dist/ferry.tar \
//	    -version v1.2.3 -revision <commit> -created 2026-01-02T03:04:05Z
//	go run . verify -layout dist/image -tar dist/ferry.tar -version v1.2.3 -revision <commit>
//
// The image has one layer on nothing (no base image to pull): the static
// binary at /ferry, the build machine's CA certificates at
// /etc/ssl/certs/ca-certificates.crt, /etc/passwd and /etc/group naming the
// user nonroot (65532), its home and /tmp. It runs as 65532:65532 with
// entrypoint /ferry and command controller, and carries the OCI labels
// source, revision, version and created. build writes it as an OCI image
// layout and as a tarball that docker load and crane read; verify reads
// both back.
package main
