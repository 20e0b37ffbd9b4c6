package data

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Config is the typed configuration of one data set: Textbook, SyntheticLinear,
// Blobs, Moons, Spirals, Localization, FashionMNIST or CSV. Zero fields mean
// the defaults their documentation names (spec.Zero / spec.ZeroInt ask for an
// exact zero where the default is not zero). The CLI's specs parse into these
// types (Parse) and print back (String).
type Config interface {
	// Name returns the data set's registered name, as written in specs.
	Name() string
	// Validate returns an error naming the first field outside its range.
	Validate() error
	// String formats the configuration as a spec that Parse reads back.
	String() string
	// Load builds or reads the data set and splits it.
	Load() (Splits, error)
}

// Holdout is the part of a generated or read data set kept out of training.
type Holdout struct {
	// Val is the fraction of examples held out for validation, in [0, 1).
	// Default 0.2.
	Val float64 `spec:"val" default:"0.2" doc:"fraction held out for validation, in [0, 1)"`
	// Test is the fraction held out for testing, in [0, 1), with
	// Val + Test < 1. Default 0.2.
	Test float64 `spec:"test" default:"0.2" doc:"fraction held out for testing, in [0, 1), val + test < 1"`
}

// NoHoldout keeps every example for training.
var NoHoldout = Holdout{Val: spec.Zero, Test: spec.Zero}

func (h Holdout) validate(name string) error {
	v, t := h.Val+0, h.Test+0
	if !(v >= 0 && t >= 0 && v+t < 1) {
		return fmt.Errorf("dataset %s: val=%v and test=%v must be ≥ 0 and sum to less than 1 (fields Holdout.Val, Holdout.Test)", name, v, t)
	}
	return nil
}

// registry holds every data set's zero configuration.
var registry = spec.NewRegistry("dataset", map[string]Config{
	"textbook": Textbook{}, "synthetic-linear": SyntheticLinear{}, "blobs": Blobs{}, "moons": Moons{},
	"spirals": Spirals{}, "localization": Localization{}, "detection": Detection{}, "fashion-mnist": FashionMNIST{}, "csv": CSV{},
})

// Names returns the registered data set names, sorted.
func Names() []string { return registry.Names() }

// Parse reads a spec such as "synthetic-linear:n=600,kappa=10" into its typed
// configuration, with every field resolved to its value, and validates it.
func Parse(s string) (Config, error) {
	c, err := registry.Decode(s)
	if err != nil {
		return nil, err
	}
	c = resolved(c)
	return c, c.Validate()
}

// resolved fills c's zero fields with their defaults.
func resolved(c Config) Config { return spec.Resolved(c.Name(), c) }

// Load parses a data set spec and loads it: Parse, then Config.Load.
func Load(s string) (Splits, error) {
	c, err := Parse(s)
	if err != nil {
		return Splits{}, err
	}
	return c.Load()
}

// finish validates the loaded splits and records the spec.
func finish(c Config, out Splits, err error) (Splits, error) {
	if err != nil {
		return Splits{}, err
	}
	out.Spec = c.String()
	for _, d := range []*Dataset{out.Train, out.Val, out.Test} {
		if d != nil {
			if err := d.Validate(); err != nil {
				return Splits{}, err
			}
		}
	}
	return out, nil
}

// atLeast returns an error naming field when v < min.
func atLeast(name, key, field string, v, min int) error {
	if v == spec.ZeroInt {
		v = 0
	}
	if v < min {
		return fmt.Errorf("dataset %s: %s=%d must be ≥ %d (field %s)", name, key, v, min, field)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// MustParse is Parse for tests and examples: it panics on error.
func MustParse(s string) Config {
	c, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return c
}
