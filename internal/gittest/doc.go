// Package gittest provides real Git servers and repository builders for
// ferry's tests: go-git's in-process server (with the atomic,
// compare-and-swap ref updates git-receive-pack performs), git http-backend
// served through net/http/cgi, the git command line, and repositories
// described as txtar archives.
package gittest
