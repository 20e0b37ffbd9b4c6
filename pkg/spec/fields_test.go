package spec_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		in       string
		want     string
		in1, out []float64
	}{
		{"(0,inf)", "(0, ∞)", []float64{1e-300, 5, 1e300}, []float64{0, -1, math.Inf(1)}},
		{"[0,1)", "[0, 1)", []float64{0, 0.5, 0.999}, []float64{-1e-9, 1, 2}},
		{"[1, 200]", "[1, 200]", []float64{1, 200}, []float64{0.5, 201}},
		{"(-inf,inf)", "(-∞, ∞)", []float64{-1e300, 0, 1e300}, []float64{math.Inf(-1), math.Inf(1)}},
		{"(0,1]", "(0, 1]", []float64{1, 0.1}, []float64{0}},
	}
	for _, tc := range cases {
		r, err := spec.ParseRange(tc.in)
		if err != nil {
			t.Fatalf("ParseRange(%q): %v", tc.in, err)
		}
		if r.String() != tc.want {
			t.Errorf("ParseRange(%q) prints %q, want %q", tc.in, r.String(), tc.want)
		}
		for _, x := range tc.in1 {
			if !r.Contains(x) {
				t.Errorf("%s should contain %v", tc.want, x)
			}
		}
		for _, x := range tc.out {
			if r.Contains(x) {
				t.Errorf("%s should not contain %v", tc.want, x)
			}
		}
	}
	for _, bad := range []string{"", "0,1", "[1,0]", "[a,1]", "{0,1}", "[0;1]", "[nan,1]"} {
		if _, err := spec.ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}

type checked struct {
	Rate  float64 `spec:"lr" default:"0.1" range:"(0,inf)" doc:"step"`
	Decay float64 `spec:"decay" default:"0.9" range:"[0,1)"`
	Steps int     `spec:"steps" default:"3" range:"[1,10]"`
	Flag  bool    `spec:"flag" doc:"a flag"`
	Name  string  `spec:"name" default:"x"`
}

// Check resolves defaults first (a zero field is its default, spec.Zero an
// exact zero) and names the key, the range and the Go field.
func TestCheck(t *testing.T) {
	cases := []struct {
		cfg  checked
		want string
	}{
		{checked{}, ""},
		{checked{Decay: spec.Zero}, ""},
		{checked{Rate: -1}, "thing t: lr=-1 is outside its valid range (0, ∞) (field checked.Rate)"},
		{checked{Rate: spec.Zero}, "lr=0 is outside its valid range (0, ∞)"},
		{checked{Decay: 1}, "decay=1 is outside its valid range [0, 1) (field checked.Decay)"},
		{checked{Steps: spec.ZeroInt}, "steps=0 is outside its valid range [1, 10]"},
		{checked{Steps: 11}, "steps=11 is outside"},
		{checked{Rate: math.NaN()}, "lr=NaN is not a finite number (field checked.Rate)"},
		{checked{Rate: math.Inf(1)}, "lr=+Inf is not a finite number"},
	}
	for _, tc := range cases {
		err := spec.Check("thing", "t", tc.cfg)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestFieldsAndValues(t *testing.T) {
	fs := spec.Fields(checked{})
	var keys []string
	for _, f := range fs {
		keys = append(keys, f.Key+"="+f.Default)
	}
	if got := strings.Join(keys, " "); got != "lr=0.1 decay=0.9 steps=3 flag=false name=x" {
		t.Errorf("Fields: %s", got)
	}
	if fs[0].Doc != "step" || !fs[0].HasRange || fs[3].HasRange || fs[1].Range.String() != "[0, 1)" {
		t.Errorf("Fields metadata: %+v", fs)
	}
	v := spec.Values(checked{Decay: spec.Zero, Flag: true})
	if v["lr"] != 0.1 || v["decay"] != 0 || math.Signbit(v["decay"]) || v["steps"] != 3 || v["flag"] != 1 {
		t.Errorf("Values: %v", v)
	}
	if _, ok := v["name"]; ok {
		t.Error("Values lists a string field")
	}
}
