package optim

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Param describes one hyperparameter of a method for listings: its name as
// users type it, its default (torch.optim's unless noted), its description
// and valid range. It is read from the configuration's struct tags
// (spec, default, range, doc), the one place a hyperparameter is declared.
type Param struct {
	Name    string
	Default float64
	Doc     string
	// Min and Max bound the value; MinOpen/MaxOpen exclude the bound itself.
	Min, Max         float64
	MinOpen, MaxOpen bool
	// Bool marks a 0/1 flag (e.g. centered); Int a whole number.
	Bool, Int bool
}

// Range writes the valid range as in error messages: "(0, ∞)", "{false, true}".
func (p Param) Range() string {
	if p.Bool {
		return "{false, true}"
	}
	return spec.Range{Min: p.Min, Max: p.Max, MinOpen: p.MinOpen, MaxOpen: p.MaxOpen}.String()
}

// paramsOf lists the hyperparameters of a configuration from its tags.
func paramsOf(c Config) []Param {
	var out []Param
	for _, f := range spec.Fields(c) {
		p := Param{Name: f.Key, Doc: f.Doc, Bool: f.Kind == reflect.Bool, Int: f.Kind == reflect.Int, Min: math.Inf(-1), Max: math.Inf(1)}
		if p.Bool {
			p.Min, p.Max = 0, 1
			if f.Default == "true" {
				p.Default = 1
			}
		} else {
			if _, err := fmt.Sscan(f.Default, &p.Default); err != nil {
				panic(fmt.Sprintf("optim: default of %s: %v", f.GoName, err))
			}
			if !f.HasRange {
				panic(fmt.Sprintf("optim: %s has no range tag", f.GoName))
			}
		}
		if f.HasRange {
			p.Min, p.Max, p.MinOpen, p.MaxOpen = f.Range.Min, f.Range.Max, f.Range.MinOpen, f.Range.MaxOpen
		}
		out = append(out, p)
	}
	return out
}

// Info describes a method for listings (optim.List, `bgdlab optimizers`).
type Info struct {
	Name   string
	Family string
	Doc    string
	// Params is read from the configuration's tags by register.
	Params []Param
	// FullBatchOnly marks methods whose step needs the loss at trial points
	// (line searches, L-BFGS).
	FullBatchOnly bool
	// New returns the method's zero configuration (all defaults).
	New func() Config
	// rule is the first-order update (nil for FullBatchOnly methods).
	rule rule
}

// methods is the registry of all methods, keyed by name; each method's file
// registers it (register) beside its configuration type and rule.
var methods = map[string]Info{}

// register adds a method, its parameters read from its zero configuration.
func register(info Info, r rule) {
	if _, dup := methods[info.Name]; dup || info.New().Method() != info.Name {
		panic(fmt.Sprintf("optim: method %q registered twice or by the wrong type", info.Name))
	}
	info.Params, info.rule = paramsOf(info.New()), r
	methods[info.Name] = info
}

// aliases maps alternative spellings to canonical parameter names.
var aliases = map[string]string{"learning_rate": "lr", "wd": "weight_decay", "mu": "momentum", "m": "history"}

// familyOrder sorts List.
var familyOrder = map[string]int{"sgd": 0, "adaptive": 1, "adam": 2, "sign": 3, "step-size": 4, "line-search": 5, "quasi-newton": 6, "seed": 7}

// List returns every method, sorted by family then name.
func List() []Info {
	out := make([]Info, 0, len(methods))
	for _, m := range methods {
		m.Params = append([]Param(nil), m.Params...)
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if familyOrder[out[i].Family] != familyOrder[out[j].Family] {
			return familyOrder[out[i].Family] < familyOrder[out[j].Family]
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Names returns the method names, sorted.
func Names() []string {
	var names []string
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the description of a method.
func Lookup(name string) (Info, error) {
	m, ok := methods[strings.ToLower(name)]
	if !ok {
		return Info{}, fmt.Errorf("unknown optimizer %q: valid optimizers are %s", name, strings.Join(Names(), ", "))
	}
	return m, nil
}
