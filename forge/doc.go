// Package forge opens and reads pull requests on GitHub, GitLab and Gitea
// through their REST APIs, so that a proposal branch becomes a review a
// person can approve by merging. ferry detects the approval from Git; the
// forge adds the request, its closing (a rejection) and the approver's name.
// Proposal renders what a promotion's pull request tells its reviewer.
package forge
