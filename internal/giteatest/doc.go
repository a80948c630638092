// Package giteatest starts a real Gitea server for ferry's forge tests: the
// binary hack/gitea.sh builds (Gitea v1.26.0 with SQLite), on a free
// loopback port, with a fresh work directory per test, an admin user with
// an access token, and helpers for what the tests do through Gitea's API
// (repositories, users, collaborators, pull requests and reviews).
//
// # Finding the binary
//
// [Start] runs $FERRY_GITEA, or else the binary hack/gitea.sh caches in
// $FERRY_TOOLS_DIR/gitea-v1.26.0/gitea (default
// ~/.cache/ferry-tools/gitea-v1.26.0/gitea). Gitea reads its options/,
// templates/ and public/ directories from the binary's directory (its
// STATIC_ROOT_PATH), where hack/gitea.sh copies them. Without the binary
// the test skips, except under CI (CI set), where it fails.
//
// # Server settings
//
// SQLite in WAL mode, offline mode, no SSH, registration disabled,
// webhooks allowed to any host (loopback included), and in-memory
// ("channel") queues. Gitea's own integration tests use synchronous
// ("immediate") queues, but with them reading a pull request right after
// merging it blocked until the client's timeout; with channel queues the
// check whether a pull request can be merged runs in the background, so
// [Server.MergePullRequest] retries while Gitea answers "try again later".
//
// # Cost
//
// Starting a server (migrate, admin user and token, web, healthy) takes
// about 2 s on two busy cores; a repository, a user or a pull request
// about 0.1 s each.
package giteatest
