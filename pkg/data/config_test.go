package data_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Every registered data set: its zero configuration, one with every field
// set away from its default, and one with explicit zeros print as specs that
// Parse reads back to the same resolved configuration.
func TestStringParseRoundTrip(t *testing.T) {
	h := data.Holdout{Val: 0.1, Test: spec.Zero}
	cases := map[string][]data.Config{
		"textbook":         {data.Textbook{}},
		"synthetic-linear": {data.SyntheticLinear{}, data.SyntheticLinear{N: 600, D: 7, Kappa: 12.5, Noise: spec.Zero, Seed: 9, Holdout: h}},
		"blobs":            {data.Blobs{}, data.Blobs{N: 50, D: 3, Sep: 0.25, Seed: 3, Holdout: h}},
		"moons":            {data.Moons{}, data.Moons{N: 40, Noise: 0.3, Seed: 2, Holdout: h}},
		"spirals":          {data.Spirals{}, data.Spirals{N: 40, Noise: spec.Zero, Turns: 2.5, Seed: 5}},
		"localization":     {data.Localization{}, data.Localization{N: 30, Size: 9, Noise: 0.2, Seed: 4, Holdout: h}},
		"detection":        {data.Detection{}, data.Detection{N: 30, Size: 16, Grid: 2, MaxObjects: 3, Noise: spec.Zero, Seed: 4, Holdout: h}},
		"fashion-mnist":    {data.FashionMNIST{}, data.FashionMNIST{Dir: "/x", Subset: 100, TestSubset: 50, Val: spec.ZeroInt, Standardize: true, Seed: 7}},
		"csv":              {data.CSV{Path: "a.csv"}, data.CSV{Path: "b.csv", Target: "y", Header: "true", Task: data.Classification, NoStandardize: true, Seed: 3, Holdout: h}},
	}
	for _, name := range data.Names() {
		if len(cases[name]) == 0 {
			t.Errorf("no round-trip case for registered data set %s", name)
		}
		for _, c := range cases[name] {
			back, err := data.Parse(c.String())
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.String(), err)
			}
			if back.String() != c.String() || back.Name() != name {
				t.Errorf("%#v prints %q; parsed back it prints %q", c, c.String(), back.String())
			}
			if want := spec.Resolved(name, c); !reflect.DeepEqual(back, want) {
				t.Errorf("round trip of %q:\n got %#v\nwant %#v", c.String(), back, want)
			}
		}
	}
}

// Bad typed fields are refused before any data is built, naming the field.
func TestTypedValidate(t *testing.T) {
	cases := []struct {
		c    data.Config
		want string
	}{
		{data.SyntheticLinear{Kappa: 0.5}, "field SyntheticLinear.Kappa"},
		{data.SyntheticLinear{Holdout: data.Holdout{Val: 0.6, Test: 0.5}}, "fields Holdout.Val, Holdout.Test"},
		{data.Moons{N: 2}, "n=2 must be ≥ 4 (field Moons.N)"},
		{data.Spirals{Turns: -1}, "field Spirals.Turns"},
		{data.Localization{Size: 4}, "field Localization.Size"},
		{data.Detection{Size: 24, Grid: 4}, "must be a power of two"},
		{data.Detection{Grid: 2, MaxObjects: 5}, "field Detection.MaxObjects"},
		{data.FashionMNIST{Val: -3}, "field FashionMNIST.Val"},
		{data.CSV{}, "path=FILE is required"},
		{data.CSV{Path: "x", Task: "ranking"}, "field CSV.Task"},
	}
	for _, tc := range cases {
		err := tc.c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%#v: Validate() = %v, want it to contain %q", tc.c, err, tc.want)
		}
		if _, err := tc.c.Load(); err == nil {
			t.Errorf("%#v: Load accepted it", tc.c)
		}
	}
}
