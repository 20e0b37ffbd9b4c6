package spec

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Typed configurations (data sets, models) map to specs through struct tags:
//
//	N     int     `spec:"n" default:"1000"`
//	Noise float64 `spec:"noise" default:"0.1"`
//	Bias  bool    `spec:"bias,negated"` // field NoBias ↔ bias=false
//
// A zero field means its default. Where zero is a meaningful value different
// from the default, a float field holds Zero (−0.0, numerically zero) and an
// int field holds ZeroInt. Supported field types: float64, int, uint64, bool,
// string and []int (written 256x128). Embedded structs are flattened.

// Zero in a float field asks for an exact zero where the zero value means a
// non-zero default (−0.0: arithmetic treats it as 0).
var Zero = math.Copysign(0, -1)

// ZeroInt in an int field asks for an exact zero where the zero value means a
// non-zero default.
const ZeroInt = math.MinInt64

// codecField is one tagged field.
type codecField struct {
	key, def, doc, rng string
	negated            bool
	goName             string
	v                  reflect.Value
}

func codecFields(v reflect.Value, prefix string) []codecField {
	var out []codecField
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, codecFields(v.Field(i), prefix+"."+f.Name)...)
			continue
		}
		tag, ok := f.Tag.Lookup("spec")
		if !ok || !f.IsExported() {
			continue
		}
		key, opt, _ := strings.Cut(tag, ",")
		out = append(out, codecField{key: key, def: f.Tag.Get("default"), doc: f.Tag.Get("doc"), rng: f.Tag.Get("range"),
			negated: opt == "negated", goName: prefix + "." + f.Name, v: v.Field(i)})
	}
	return out
}

// text returns the field's spec value with its default applied.
func (f codecField) text() string {
	v := f.v
	switch v.Kind() {
	case reflect.Float64:
		x := v.Float()
		if x == 0 && !math.Signbit(x) && f.def != "" {
			return f.def
		}
		return strconv.FormatFloat(x+0, 'g', -1, 64)
	case reflect.Int:
		n := v.Int()
		if n == 0 && f.def != "" {
			return f.def
		}
		if n == ZeroInt && f.def != "" && f.def != "0" {
			return "0"
		}
		return strconv.FormatInt(n, 10)
	case reflect.Uint64:
		if v.Uint() == 0 && f.def != "" {
			return f.def
		}
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool() != f.negated)
	case reflect.String:
		if v.String() == "" {
			return f.def
		}
		return v.String()
	case reflect.Slice:
		if v.Len() == 0 {
			return f.def
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = strconv.FormatInt(v.Index(i).Int(), 10)
		}
		return strings.Join(parts, "x")
	}
	panic(fmt.Sprintf("spec: field %s has unsupported type %s", f.goName, v.Type()))
}

// defaultText is the spec text of the field's default.
func (f codecField) defaultText() string {
	switch f.v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(f.negated)
	case reflect.Float64, reflect.Int, reflect.Uint64:
		if f.def == "" {
			return "0"
		}
	}
	return f.def
}

// Encode formats cfg (a tagged struct) as name:key=value,..., listing the
// fields whose value differs from their default, in declaration order.
func Encode(name string, cfg any) string {
	v := reflect.ValueOf(cfg)
	sp := Spec{Name: name, Values: map[string]string{}}
	for _, f := range codecFields(v, v.Type().Name()) {
		if t := f.text(); !sameText(t, f.defaultText()) {
			sp.Keys = append(sp.Keys, f.key)
			sp.Values[f.key] = t
		}
	}
	return sp.String()
}

// sameText compares two spec values, numerically when both are numbers.
func sameText(a, b string) bool {
	if a == b {
		return true
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && x == y
}

// Decode sets the fields of *ptr (a tagged struct) from sp's values. Unknown
// keys and values of the wrong type are errors naming the key; what names
// the kind of thing in messages ("dataset", "model").
func Decode(sp Spec, what string, ptr any) error {
	v := reflect.ValueOf(ptr).Elem()
	fs := codecFields(v, v.Type().Name())
	byKey := map[string]codecField{}
	var known []string
	for _, f := range fs {
		byKey[f.key] = f
		known = append(known, f.key)
	}
	if err := Unknown(sp, what, known); err != nil {
		return err
	}
	for _, k := range sp.Keys {
		if err := byKey[k].set(sp.Values[k]); err != nil {
			return fmt.Errorf("%s %s: %w", what, sp.Name, err)
		}
	}
	return nil
}

// set parses raw into the field, writing Zero/ZeroInt for an explicit zero
// whose default is not zero.
func (f codecField) set(raw string) error {
	zeroDefault := f.def == "" || sameText(f.def, "0")
	switch f.v.Kind() {
	case reflect.Float64:
		x, err := Float(f.key, raw)
		if err == nil && x == 0 && !zeroDefault {
			x = Zero
		}
		f.v.SetFloat(x)
		return err
	case reflect.Int:
		n, err := Int(f.key, raw)
		if err == nil && n == 0 && !zeroDefault {
			n = ZeroInt
		}
		f.v.SetInt(int64(n))
		return err
	case reflect.Uint64:
		n, err := Int(f.key, raw)
		if err == nil && (n < 0 || n == 0 && !zeroDefault) {
			err = fmt.Errorf("%s=%q must be ≥ 1", f.key, raw)
		}
		f.v.SetUint(uint64(n))
		return err
	case reflect.Bool:
		b, err := Bool(f.key, raw)
		f.v.SetBool(b != f.negated)
		return err
	case reflect.String:
		f.v.SetString(raw)
		return nil
	case reflect.Slice:
		var ns []int
		for _, part := range strings.Split(raw, "x") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n <= 0 {
				return fmt.Errorf("%s=%q must be positive integers separated by x, e.g. 256x128", f.key, raw)
			}
			ns = append(ns, n)
		}
		f.v.Set(reflect.ValueOf(ns))
		return nil
	}
	return fmt.Errorf("spec: field %s has unsupported type %s", f.goName, f.v.Type())
}

// Resolved returns a copy of cfg (a tagged struct value) with every zero
// field set to its default, so all values are visible; explicit zeros stay
// Zero/ZeroInt.
func Resolved[T any](name string, cfg T) T {
	sp, err := Parse(Encode(name, cfg))
	if err != nil {
		panic(err)
	}
	v := reflect.New(reflect.TypeOf(cfg)).Elem() // the concrete struct, also when T is an interface
	v.Set(reflect.ValueOf(cfg))
	for _, f := range codecFields(v, v.Type().Name()) {
		if _, given := sp.Values[f.key]; !given && f.def != "" {
			if err := f.set(f.def); err != nil {
				panic(fmt.Sprintf("spec: default of %s: %v", f.goName, err))
			}
		}
	}
	return v.Interface().(T)
}

// Registry maps names to the zero configurations of one family (data sets,
// models), each a tagged struct implementing T. Its Decode is the CLI's way
// from a spec to a typed configuration.
type Registry[T any] struct {
	// What names the family in messages ("dataset", "model").
	What  string
	zeros map[string]T
}

// NewRegistry returns the registry of the given zero configurations.
func NewRegistry[T any](what string, zeros map[string]T) Registry[T] {
	return Registry[T]{What: what, zeros: zeros}
}

// Names returns the registered names, sorted.
func (r Registry[T]) Names() []string {
	var out []string
	for n := range r.zeros {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Zero returns the zero configuration registered under name.
func (r Registry[T]) Zero(name string) (T, bool) {
	z, ok := r.zeros[name]
	return z, ok
}

// Decode parses s and sets the named configuration's fields from its keys
// (zero fields stay zero: defaults are the caller's Resolved).
func (r Registry[T]) Decode(s string) (T, error) {
	var zero T
	sp, err := Parse(s)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", r.What, err)
	}
	z, ok := r.zeros[sp.Name]
	if !ok {
		return zero, fmt.Errorf("unknown %s %q: valid %ss are %s", r.What, sp.Name, r.What, strings.Join(r.Names(), ", "))
	}
	ptr := reflect.New(reflect.TypeOf(z))
	if err := Decode(sp, r.What, ptr.Interface()); err != nil {
		return zero, err
	}
	return ptr.Elem().Interface().(T), nil
}
