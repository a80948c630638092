package stages_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/schemas"
	"github.com/ferrycd/ferry/stages"
)

func compileSchemas(tb testing.TB) map[stages.Kind]*jsonschema.Schema {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[stages.Kind]*jsonschema.Schema{}
	for _, k := range []stages.Kind{stages.KindShipyard, stages.KindSLO, stages.KindSLI, stages.KindRemediation, stages.KindConfig, stages.KindHold, stages.KindPin} {
		data, err := schemas.FS.ReadFile(string(k) + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("%s.json: %v", k, err)
		}
		if err := c.AddResource(string(k)+".json", doc); err != nil {
			tb.Fatal(err)
		}
		if out[k], err = c.Compile(string(k) + ".json"); err != nil {
			tb.Fatalf("compile %s.json: %v", k, err)
		}
	}
	return out
}

// jsonValue converts a YAML node into what a JSON document would hold,
// with YAML 1.2 scalars as ferry's parsers read them.
func jsonValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return jsonValue(n.Content[0])
	case yaml.AliasNode:
		return jsonValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = jsonValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			s = append(s, jsonValue(c))
		}
		return s
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true"
	case "!!int", "!!float":
		var v any
		if err := json.Unmarshal([]byte(n.Value), &v); err == nil {
			return json.Number(n.Value)
		}
		return n.Value
	}
	return n.Value
}

// TestSchemasAgreeWithParsers checks every Keptn file of the corpus and the
// test project: a file the parser accepts (warnings allowed) validates
// against its schema, and a file it rejects does not.
func TestSchemasAgreeWithParsers(t *testing.T) {
	schemas := compileSchemas(t)
	files := map[string][]byte{}
	for _, rel := range corpusFiles(t) {
		data, err := os.ReadFile(filepath.Join(corpusDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		files[rel] = data
	}
	for name, data := range loadTxtar(t, "sockshop.txtar") {
		if !strings.Contains(name, "/chart/") && !strings.HasSuffix(name, "values.yaml") {
			files["sockshop/"+name] = data
		}
	}
	checked, rejected := 0, 0
	for name, data := range files {
		kind := stages.DetectKind(strings.TrimPrefix(name, "sockshop/"), data)
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			continue // not YAML: both reject it before any schema applies
		}
		parserOK := !stages.ValidateFile(kind, name, data).HasErrors()
		err := schemas[kind].Validate(jsonValue(&doc))
		if !parserOK {
			rejected++
		}
		if parserOK != (err == nil) {
			t.Errorf("%s (%s): parser accepts=%v, schema accepts=%v: %v", name, kind, parserOK, err == nil, err)
		}
		checked++
	}
	if checked < 90 || rejected < 15 {
		t.Errorf("checked %d files, %d rejected; want at least 90 and 15", checked, rejected)
	}
	t.Logf("checked %d files, %d rejected by both", checked, rejected)
}

// TestSLOSchemaReadsCriteriaAsTheParser: the schema's criterion and
// include_result_with_score follow evaluator's parser (Keptn's rules).
func TestSLOSchemaReadsCriteriaAsTheParser(t *testing.T) {
	slo := compileSchemas(t)[stages.KindSLO]
	criteria := []string{
		"<=800", "< 1.5", "<=+10%", "<=10%", ">=-5", "> = 3", "=0%", "<=1e3", "<=1E-3", "<=+5", ">=.5", "<=5.",
		"<=0x1p4", "<=0x1.8P-1", "<=1_000", "<=Inf", "<=infinity", ">-Inf", "<=NaN", "<=--1", "<=+-5%", "<=+10   %",
		"", "800", "invalid", "<<='", "<=fast", "<=+", "<=%", "|5", "=<5", "<=10%%", "<=5ms", "<=0x10", "<=1__0",
		"<=_1", "<=\t5", "<=5\n", "<=1e", "<=0x1p", "<=++5",
	}
	for _, c := range criteria {
		src := "spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass: [{criteria: [" + strconv.Quote(c) + "]}]\ntotal_score: {pass: '90'}\n"
		parserOK := !stages.ValidateFile(stages.KindSLO, "slo.yaml", []byte(src)).HasErrors()
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		err := slo.Validate(jsonValue(&doc))
		if parserOK != (err == nil) {
			t.Errorf("criterion %q: parser accepts=%v, schema accepts=%v", c, parserOK, err == nil)
		}
	}
	for _, in := range []string{"PASS", "Pass_or_warn", "all", "ALL", "", "warning", "pass_or_warning"} {
		src := "spec_version: '1.0'\ncomparison: {include_result_with_score: " + strconv.Quote(in) + "}\nobjectives: []\ntotal_score: {pass: '90'}\n"
		parserOK := !stages.ValidateFile(stages.KindSLO, "slo.yaml", []byte(src)).HasErrors()
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		if err := slo.Validate(jsonValue(&doc)); parserOK != (err == nil) {
			t.Errorf("include_result_with_score %q: parser accepts=%v, schema accepts=%v", in, parserOK, err == nil)
		}
	}
}
