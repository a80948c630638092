package stages

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Keptn's naming rule for projects, stages, services and sequences: a
// lower-case letter, then lower-case letters, digits and hyphens, not
// ending in a hyphen.
var namePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// MaxServiceName is Keptn's limit on service names (a Helm release name
// with Keptn's suffixes must stay within 53 characters).
const MaxServiceName = 43

// checkName returns why name is not a valid Keptn name, or "".
func checkName(name string, max int) string {
	switch {
	case name == "":
		return "must not be empty"
	case !namePattern.MatchString(name):
		return fmt.Sprintf("%q must start with a lower-case letter and hold only lower-case letters, digits and '-', not ending in '-'", name)
	case max > 0 && len(name) > max:
		return fmt.Sprintf("%q is longer than %d characters", name, max)
	}
	return ""
}

// parseDuration parses a positive Go duration ("30s", "15m", "1h30m").
// ferry drops Keptn's one-minute minimum so that tests and demos run in
// seconds.
func parseDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Sprintf("%q is not a duration (want e.g. 30s, 15m, 1h)", s)
	}
	if d <= 0 {
		return 0, fmt.Sprintf("%q must be positive", s)
	}
	return d, ""
}

func sortStrings(s []string) { sort.Strings(s) }
