package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLogFormats(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, logJSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("transition", "stage", "staging", "service", "carts")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("--log-format json wrote %q: %v", buf.String(), err)
	}
	if line["msg"] != "transition" || line["stage"] != "staging" || line["ts"] == nil {
		t.Errorf("json log line: %v", line)
	}
	buf.Reset()
	if log, err = newLogger(&buf, logText, 0); err != nil {
		t.Fatal(err)
	}
	log.Info("transition", "service", "carts")
	if got := buf.String(); !strings.Contains(got, `"msg"="transition"`) || !strings.Contains(got, `"service"="carts"`) {
		t.Errorf("text log line: %q", got)
	}
	if _, err := newLogger(&buf, "xml", 0); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("an unknown format: %v", err)
	}
}
