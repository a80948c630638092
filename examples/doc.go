// Package examples holds ferry's runnable example projects, embedded so
// that ferry demo needs nothing but the binary. Each is tested.
package examples

import "embed"

// Sockshop is the Keptn tutorial's project (sockshop/), in ferry's layout
// and Keptn's formats.
//
//go:embed sockshop
var Sockshop embed.FS
