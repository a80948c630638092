// Package yamlfile decodes YAML files strictly into Go structs and reports
// every problem of a file at once, each with its file, line and column.
//
// Decoding walks the YAML node tree against the target type before any value
// is set: unknown keys, duplicate keys and values of the wrong kind are
// errors, positioned at the offending key or value. The positions of all
// decoded fields are kept in a [Doc], so that later semantic checks can point
// at the line they are about.
//
// # Hostile input
//
// Decoding takes time and memory in proportion to the file as written:
// aliases are checked without expanding them and may add at most
// [MaxAliasNodes] nodes when the value is built, and duplicate keys are
// found with a map, so a mapping of any width decodes in linear time.
package yamlfile
