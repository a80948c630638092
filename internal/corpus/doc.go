// Package corpus gives tests the Keptn example files kept in
// testdata/keptn-examples, for compatibility tests and as fuzz seeds.
package corpus
