package spec

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// A tagged field may also carry its valid range and a one-line description,
// which Check enforces and listings print:
//
//	LR    float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate"`
//	Steps int     `spec:"max_trials" default:"30" range:"[1,200]"`
//
// A range is "[" or "(" then min, max ("inf", "-inf" or a number) then "]"
// or ")"; a bracket includes its bound. Booleans need no range.

// Field describes one tagged field of a configuration, for listings and
// checks.
type Field struct {
	// Key is the field's spec key, Default its default as spec text, Doc its
	// description and GoName its Go path (Adam.Beta1, GD.Clip.Norm).
	Key, Default, Doc, GoName string
	// Kind is the Go kind of the field (Float64, Int, Bool, …).
	Kind reflect.Kind
	// Range is the field's valid range; HasRange is false when none is given.
	Range    Range
	HasRange bool
}

// Range is a closed, open or half-open interval of valid values.
type Range struct {
	Min, Max         float64
	MinOpen, MaxOpen bool
}

// ParseRange reads "(0,inf)", "[0,1)", "[1,200]".
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("range %q: want [min,max], (min,max), [min,max) or (min,max], bounds numbers or ±inf", s)
	if len(s) < 5 || !strings.ContainsRune("[(", rune(s[0])) || !strings.ContainsRune("])", rune(s[len(s)-1])) {
		return Range{}, bad
	}
	lo, hi, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return Range{}, bad
	}
	min, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	max, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if err1 != nil || err2 != nil || math.IsNaN(min) || math.IsNaN(max) || min > max {
		return Range{}, bad
	}
	return Range{Min: min, Max: max, MinOpen: s[0] == '(', MaxOpen: s[len(s)-1] == ')'}, nil
}

// Contains reports whether x lies in the range.
func (r Range) Contains(x float64) bool {
	lowOK := x > r.Min || (!r.MinOpen && x == r.Min)
	highOK := x < r.Max || (!r.MaxOpen && x == r.Max)
	return lowOK && highOK
}

// String writes the range as in messages: "(0, ∞)", "[0, 1)".
func (r Range) String() string {
	lo, hi := "[", "]"
	if r.MinOpen {
		lo = "("
	}
	if r.MaxOpen || math.IsInf(r.Max, 1) {
		hi = ")"
	}
	if math.IsInf(r.Min, -1) {
		lo = "("
	}
	f := func(x float64) string {
		switch {
		case math.IsInf(x, 1):
			return "∞"
		case math.IsInf(x, -1):
			return "-∞"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return lo + f(r.Min) + ", " + f(r.Max) + hi
}

// Fields lists cfg's tagged fields in declaration order, embedded structs
// flattened. A malformed range tag panics: it is a programming error, found
// by any test that lists the configuration.
func Fields(cfg any) []Field {
	v := reflect.ValueOf(cfg)
	var out []Field
	for _, f := range codecFields(v, v.Type().Name()) {
		out = append(out, f.info())
	}
	return out
}

func (f codecField) info() Field {
	out := Field{Key: f.key, Default: f.defaultText(), Doc: f.doc, GoName: f.goName, Kind: f.v.Kind()}
	if f.rng != "" {
		r, err := ParseRange(f.rng)
		if err != nil {
			panic(fmt.Sprintf("spec: field %s: %v", f.goName, err))
		}
		out.Range, out.HasRange = r, true
	}
	return out
}

// Values returns cfg's numeric fields with defaults applied, by key: a float
// or int as its value (an explicit Zero as +0), a bool as 1 or 0.
func Values(cfg any) map[string]float64 {
	v := reflect.ValueOf(cfg)
	out := map[string]float64{}
	for _, f := range codecFields(v, v.Type().Name()) {
		if x, ok := f.number(); ok {
			out[f.key] = x
		}
	}
	return out
}

// number is the field's resolved value as a float64, for numeric and bool
// fields.
func (f codecField) number() (float64, bool) {
	switch f.v.Kind() {
	case reflect.Float64, reflect.Int, reflect.Uint64:
		x, err := strconv.ParseFloat(f.text(), 64)
		return x + 0, err == nil
	case reflect.Bool:
		if f.text() == "true" {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Check returns an error naming the first field of cfg whose resolved value
// is not finite or lies outside its range tag: "optimizer adam: beta1=1.2 is
// outside its valid range [0, 1) (field Adam.Beta1)".
func Check(what, name string, cfg any) error {
	v := reflect.ValueOf(cfg)
	for _, f := range codecFields(v, v.Type().Name()) {
		x, ok := f.number()
		if !ok {
			continue
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s %s: %s=%v is not a finite number (field %s)", what, name, f.key, x, f.goName)
		}
		if info := f.info(); info.HasRange && !info.Range.Contains(x) {
			return fmt.Errorf("%s %s: %s=%v is outside its valid range %s (field %s)", what, name, f.key, x, info.Range, f.goName)
		}
	}
	return nil
}
