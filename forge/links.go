package forge

import (
	"net/url"
	"strings"
)

// Links are a forge's web URL templates for a repository: "{sha}" and
// "{number}" are replaced by a commit and a pull request's number.
type Links struct {
	Commit string
	Pull   string
}

// WebLinks returns the web URL templates of the repository opts names, read
// from its API base URL the way each forge lays them out: GitHub's API at
// api.github.com (or <host>/api/v3 for GitHub Enterprise), GitLab's at
// <host>/api/v4 and Gitea's at <host>/api/v1. An API URL that does not
// parse gives no links.
func WebLinks(opts Options) Links {
	u, err := url.Parse(strings.TrimSuffix(opts.API, "/"))
	if err != nil || u.Host == "" || opts.Repo == "" {
		return Links{}
	}
	web := *u
	web.User, web.RawQuery, web.Fragment = nil, "", "" // no credentials on a page
	switch opts.Kind {
	case GitHub:
		if web.Host == "api.github.com" {
			web.Host, web.Path = "github.com", ""
		} else {
			web.Path = strings.TrimSuffix(web.Path, "/api/v3")
		}
		base := web.String() + "/" + opts.Repo
		return Links{Commit: base + "/commit/{sha}", Pull: base + "/pull/{number}"}
	case GitLab:
		web.Path = strings.TrimSuffix(web.Path, "/api/v4")
		base := web.String() + "/" + opts.Repo
		return Links{Commit: base + "/-/commit/{sha}", Pull: base + "/-/merge_requests/{number}"}
	case Gitea:
		web.Path = strings.TrimSuffix(web.Path, "/api/v1")
		base := web.String() + "/" + opts.Repo
		return Links{Commit: base + "/commit/{sha}", Pull: base + "/pulls/{number}"}
	}
	return Links{}
}
