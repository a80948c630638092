// This module builds ferry's container image without a container engine
// (make image): go-containerregistry writes an OCI image layout and a
// tarball. It is separate from ferry's module so that ferry's go.mod does
// not carry go-containerregistry's dependencies.
module github.com/ferrycd/ferry/hack/image

go 1.26.2

require github.com/google/go-containerregistry v0.22.1

require (
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
