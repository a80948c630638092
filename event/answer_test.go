package event_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/event"
)

func TestID(t *testing.T) {
	id := event.ID{Project: "sock-shop", Run: "r12", Index: 3, Task: "load-test"}
	if got := id.String(); got != "sock-shop.r12.3.load-test" {
		t.Errorf("String() = %q", got)
	}
	if got := id.Context(); got != "sock-shop.r12" {
		t.Errorf("Context() = %q", got)
	}
	back, err := event.ParseID(id.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(id, back); diff != "" {
		t.Errorf("ParseID(String()) (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "sockshop.r12.test", "sockshop.12.1.test", "Sockshop.r12.1.test", "sockshop.r12.1.test.x", "7c2e41d0-9f4e-4bd5-8a39-2f0d6c2c1a11"} {
		if _, err := event.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}
