package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// Output formats of -o.
const (
	outputWide = "wide"
	outputYAML = "yaml"
)

// outputFlag is a command's -o flag and the formats it accepts; the first
// is the default.
type outputFlag struct {
	value   string
	allowed []string
}

// bindOutput adds -o to cmd, accepting the formats listed (the first is the
// default), and checks its value before the command runs.
func bindOutput(cmd *cobra.Command, allowed ...string) *outputFlag {
	o := &outputFlag{value: allowed[0], allowed: allowed}
	cmd.Flags().StringVarP(&o.value, "output", "o", o.value, "output format: "+strings.Join(allowed, ", "))
	pre := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := o.validate(); err != nil {
			return err
		}
		if pre != nil {
			return pre(cmd, args)
		}
		return nil
	}
	return o
}

// validate returns a usage error unless -o is one of the allowed formats.
func (o *outputFlag) validate() error {
	if !slices.Contains(o.allowed, o.value) {
		return usageError("-o %q: must be one of %s", o.value, strings.Join(o.allowed, ", "))
	}
	return nil
}

// machine reports whether -o asks for JSON or YAML.
func (o *outputFlag) machine() bool { return o.value == outputJSON || o.value == outputYAML }

// printData writes v as indented JSON, or as YAML with the same field
// names (converted from the JSON, as kubectl does).
func printData(w io.Writer, format string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // PromQL's < and > stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return printJSONBytes(w, format, b.Bytes())
}

// printJSONBytes writes a JSON document as it is, or converted to YAML.
func printJSONBytes(w io.Writer, format string, data []byte) error {
	if format == outputYAML {
		y, err := yaml.JSONToYAML(data)
		if err != nil {
			return fmt.Errorf("convert to yaml: %w", err)
		}
		data = y
	}
	_, err := w.Write(data)
	return err
}

// printYAMLTagged writes a YAML document (a file of ferry/status, whose
// types carry YAML tags only) as YAML or as JSON with the same field names.
func printYAMLTagged(w io.Writer, format string, y []byte) error {
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		return fmt.Errorf("convert to json: %w", err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		return err
	}
	return printData(w, format, v)
}
