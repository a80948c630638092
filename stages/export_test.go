package stages

// sortStrings is shared with the external tests.
var SortStrings = sortStrings
