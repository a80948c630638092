package stages

// sortStrings is shared with the external tests.
var SortStrings = sortStrings

// Shipyard lets fuzz tests call methods through the pointer they hold.
func (s *Shipyard) Shipyard() *Shipyard { return s }

// CheckSizes is checkSizes, for tests of the bounds without large
// repositories.
var CheckSizes = checkSizes
