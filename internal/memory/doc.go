// Package memory provides [Release], which hands back to the operating
// system the heap memory the Go runtime keeps, unused, after a burst of
// work such as a reconcile pass that built thousands of commits.
package memory
