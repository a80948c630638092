package e2e

import (
	"os"
	"path/filepath"
)

// ToolsDir is where the hack/ scripts cache the servers they build (Gitea,
// kube-apiserver and etcd): $FERRY_TOOLS_DIR, or else
// $XDG_CACHE_HOME/ferry-tools (default ~/.cache/ferry-tools), as in
// hack/gitea.sh and hack/kube.sh.
func ToolsDir() string {
	if dir := os.Getenv("FERRY_TOOLS_DIR"); dir != "" {
		return dir
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "ferry-tools")
}
