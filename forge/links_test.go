package forge_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/forge"
)

func TestWebLinks(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts forge.Options
		want forge.Links
	}{
		{
			"github.com",
			forge.Options{Kind: forge.GitHub, API: "https://api.github.com", Repo: "acme/shop"},
			forge.Links{Commit: "https://github.com/acme/shop/commit/{sha}", Pull: "https://github.com/acme/shop/pull/{number}"},
		},
		{
			"github enterprise",
			forge.Options{Kind: forge.GitHub, API: "https://git.acme.io/api/v3/", Repo: "acme/shop"},
			forge.Links{Commit: "https://git.acme.io/acme/shop/commit/{sha}", Pull: "https://git.acme.io/acme/shop/pull/{number}"},
		},
		{
			"gitlab",
			forge.Options{Kind: forge.GitLab, API: "https://gitlab.acme.io/api/v4", Repo: "platform/delivery/shop"},
			forge.Links{Commit: "https://gitlab.acme.io/platform/delivery/shop/-/commit/{sha}", Pull: "https://gitlab.acme.io/platform/delivery/shop/-/merge_requests/{number}"},
		},
		{
			"gitea under a path",
			forge.Options{Kind: forge.Gitea, API: "http://127.0.0.1:3000/git/api/v1", Repo: "acme/shop"},
			forge.Links{Commit: "http://127.0.0.1:3000/git/acme/shop/commit/{sha}", Pull: "http://127.0.0.1:3000/git/acme/shop/pulls/{number}"},
		},
		{
			"credentials in the API URL",
			forge.Options{Kind: forge.Gitea, API: "https://ferry:s3cret@gitea.acme.io/api/v1", Repo: "acme/shop"},
			forge.Links{Commit: "https://gitea.acme.io/acme/shop/commit/{sha}", Pull: "https://gitea.acme.io/acme/shop/pulls/{number}"},
		},
		{"no API", forge.Options{Kind: forge.GitHub, Repo: "acme/shop"}, forge.Links{}},
		{"unknown kind", forge.Options{Kind: "bitbucket", API: "https://api.bitbucket.org/2.0", Repo: "acme/shop"}, forge.Links{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, forge.WebLinks(tc.opts)); diff != "" {
				t.Errorf("WebLinks (-want +got):\n%s", diff)
			}
		})
	}
}
