// Package keptnrepo builds, for tests, the Git upstream of a Keptn v1
// project (the sockshop tutorial's, from the Keptn corpus) as Keptn's
// resource-service kept it: a branch per stage, or .keptn-stages/<stage>/
// directories on master.
package keptnrepo
