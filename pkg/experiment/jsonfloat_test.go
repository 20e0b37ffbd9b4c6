package experiment_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// Non-finite numbers round-trip through run.json's Float form; a number
// that is not one of its strings is refused with the rule.
func TestFloatJSON(t *testing.T) {
	for _, v := range []float64{0, -1.5, 1e308, math.Inf(1), math.Inf(-1), math.NaN()} {
		raw, err := json.Marshal(experiment.Floats{"x": v})
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		var back experiment.Floats
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := back["x"]; !(got == v || math.IsNaN(got) && math.IsNaN(v)) {
			t.Errorf("%v → %s → %v", v, raw, got)
		}
	}
	var f experiment.Float
	if err := json.Unmarshal([]byte(`null`), &f); err != nil || !math.IsNaN(float64(f)) {
		t.Errorf("null → %v, %v; want NaN", f, err)
	}
	if err := json.Unmarshal([]byte(`"infinity"`), &f); err == nil || !strings.Contains(err.Error(), "+Inf") {
		t.Errorf(`"infinity" accepted or refused without the rule: %v`, err)
	}
}
